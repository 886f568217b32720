"""Admission of a billable request once it has been decoded (D-4: validation and the model check come
first, so a bad request never costs a credit check or a rate-limit slot): credits, then the rate limit,
reserving the request's token estimate (D-3)."""

from __future__ import annotations

from starlette.types import Scope

from gateway.limits.base import Refused
from gateway.middleware.limits import ADMISSION, budget_of, refusal
from gateway.state import state_of

__all__ = ["admit"]


async def admit(scope: Scope, tokens: int = 0) -> None:
    """402 or 429, or record the admission (its headers, its reservation of ``tokens``) in the scope."""
    state = state_of(scope)
    await state.credit_check(scope)
    auth = scope["state"]["auth"]
    account = await state.store.get_account(auth.account_id)
    assert account is not None
    try:
        scope["state"][ADMISSION] = await state.limiter.admit(account.id, budget_of(account), tokens)
    except Refused as refused:
        raise refusal(refused, scope["path"]) from None
