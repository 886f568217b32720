"""Defects of admission (``gateway/middleware/gate.py``): wrappers around the credit gate and the rate
limiter, both reached through :class:`gateway.state.GatewayState`."""

from __future__ import annotations

from starlette.types import Scope

from gateway.middleware.limits import Limiter, Verdict
from gateway.state import GatewayState
from gateway.testing.registry import ActiveDefects, defect

__all__ = ["install"]

CHAT_ZERO_CREDIT_ALLOWED = defect(
    "chat_zero_credit_allowed", "an account without credits gets 402 insufficient_credits"
)
CHAT_RATE_LIMIT_IGNORED = defect(
    "chat_rate_limit_ignored", "over the account's request limit is 429 with retry-after"
)

_UNLIMITED_RPM = 1_000_000_000


class _Limiter:
    """The rate limiter, counting against an unreachable limit while the defect is on."""

    def __init__(self, limiter: Limiter, active: ActiveDefects) -> None:
        self._limiter, self._active = limiter, active

    def admit(self, account_id: str, rpm: int) -> Verdict:
        unlimited = self._active.on(CHAT_RATE_LIMIT_IGNORED.name)
        return self._limiter.admit(account_id, _UNLIMITED_RPM if unlimited else rpm)

    def check(self, account_id: str, rpm: int) -> None:
        unlimited = self._active.on(CHAT_RATE_LIMIT_IGNORED.name)
        self._limiter.check(account_id, _UNLIMITED_RPM if unlimited else rpm)


def install(state: GatewayState, active: ActiveDefects) -> None:
    """Wrap the credit gate and the limiter."""
    check_credits = state.credit_check

    def credit_check(scope: Scope) -> None:
        if not active.on(CHAT_ZERO_CREDIT_ALLOWED.name):
            check_credits(scope)

    state.credit_check = credit_check
    state.limiter = _Limiter(state.limiter, active)
