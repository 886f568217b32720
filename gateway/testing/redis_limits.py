"""Defects of the shared limiter (``gateway/limits/redis.py``, chosen by ``[limits] redis_url``): the
deployment's limiter (``state.limiter``) bypassed by one that lives in this process only."""

from __future__ import annotations

from gateway.middleware.limits import Limiter, RateLimiter, Verdict
from gateway.state import GatewayState
from gateway.testing.registry import ActiveDefects, defect

__all__ = ["install"]

LIMITER_PER_PROCESS = defect(
    "limiter_per_process",
    "gateway instances sharing one Redis enforce one rate limit between them (D-4, D-151)",
)


class _Limiter:
    """The deployment's limiter, or this process's own while the defect is on."""

    def __init__(self, limiter: Limiter, active: ActiveDefects) -> None:
        self._limiter, self._local, self._active = limiter, RateLimiter(), active

    def _current(self) -> Limiter:
        return self._local if self._active.on(LIMITER_PER_PROCESS.name) else self._limiter

    def admit(self, account_id: str, rpm: int) -> Verdict:
        return self._current().admit(account_id, rpm)

    def check(self, account_id: str, rpm: int) -> None:
        self._current().check(account_id, rpm)


def install(state: GatewayState, active: ActiveDefects) -> None:
    """Wrap the limiter."""
    state.limiter = _Limiter(state.limiter, active)
