"""Admission of a billable request once it has been decoded (D-4: validation and the model check come
first, so a bad request never costs a credit check or a rate-limit slot): credits, then the rate limit."""

from __future__ import annotations

from starlette.types import Scope

from gateway.state import state_of

__all__ = ["admit"]


def admit(scope: Scope) -> None:
    """402 or 429, or record the rate-limit verdict for the response headers."""
    state = state_of(scope)
    state.credit_check(scope)
    auth = scope["state"]["auth"]
    account = state.store.get_account(auth.account_id)
    assert account is not None
    scope["state"]["rate_verdict"] = state.limiter.admit(account.id, account.rpm)
