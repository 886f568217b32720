"""Defects of admission (``gateway/middleware/gate.py``): wrappers around the credit gate and the rate
limiter, both reached through :class:`gateway.state.GatewayState`."""

from __future__ import annotations

from starlette.types import Scope

from gateway.limits.base import Admission, Budget
from gateway.state import GatewayState
from gateway.testing.limiter_layer import LimiterLayer
from gateway.testing.registry import ActiveDefects, defect

__all__ = ["install"]

CHAT_ZERO_CREDIT_ALLOWED = defect(
    "chat_zero_credit_allowed", "an account without credits gets 402 insufficient_credits"
)
CHAT_RATE_LIMIT_IGNORED = defect(
    "chat_rate_limit_ignored", "over the account's request limit is 429 with retry-after"
)

_UNLIMITED_RPM = 1_000_000_000


class _Limiter(LimiterLayer):
    """The rate limiter, counting against an unreachable limit while the defect is on."""

    async def admit(self, key: str, budget: Budget, tokens: int = 0) -> Admission:
        if self._active.on(CHAT_RATE_LIMIT_IGNORED.name):
            budget = Budget(_UNLIMITED_RPM, _UNLIMITED_RPM, budget.window)
        return await self._limiter.admit(key, budget, tokens)


def install(state: GatewayState, active: ActiveDefects) -> None:
    """Wrap the credit gate and the limiter."""
    check_credits = state.credit_check

    async def credit_check(scope: Scope) -> None:
        if not active.on(CHAT_ZERO_CREDIT_ALLOWED.name):
            await check_credits(scope)

    state.credit_check = credit_check
    state.limiter = _Limiter(state.limiter, active)
