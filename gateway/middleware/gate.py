"""Admission of a billable request once it has been decoded (D-4: validation and the model check come
first, so a bad request never costs a credit check or a rate-limit slot): credits — a hold of the request's
estimated maximum cost (D-180) — then the rate limit, reserving the request's token estimate (D-3). A 429 from
the limiter releases the hold just taken (D-184)."""

from __future__ import annotations

from decimal import Decimal

from starlette.types import Scope

from gateway.limits.base import Refused
from gateway.middleware.credits import estimate, release_hold
from gateway.middleware.limits import ADMISSION, budget_of, refusal
from gateway.state import state_of

__all__ = ["admit"]


async def admit(scope: Scope, tokens: int = 0, cost: Decimal | None = None) -> None:
    """402 or 429, or hold ``cost`` (the estimated maximum, USD; ``None``: unknown before the call, D-185) and
    record the admission (its headers, its reservation of ``tokens``) in the scope."""
    state = state_of(scope)
    estimate(scope, cost)
    await state.credit_check(scope)
    auth = scope["state"]["auth"]
    account = await state.accounts.limits_of(auth.account_id)
    assert account is not None
    try:
        scope["state"][ADMISSION] = await state.limiter.admit(account.id, budget_of(account), tokens)
    except Refused as refused:
        await release_hold(scope)  # a 429 takes nothing: the hold is freed at once (D-184)
        raise refusal(refused, scope["path"]) from None
