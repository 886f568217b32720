"""The base of the defects' wrappers around the rate limiter (``state.limiter``)."""

from __future__ import annotations

from gateway.limits.base import Admission, Budget, Limiter, Usage
from gateway.testing.registry import ActiveDefects

__all__ = ["LimiterLayer"]


class LimiterLayer:
    """A :class:`~gateway.limits.base.Limiter` forwarding every call to the one it wraps; a defect's layer
    overrides only the calls it miscounts, asking ``active`` whether its defect is on."""

    def __init__(self, limiter: Limiter, active: ActiveDefects) -> None:
        self._limiter, self._active = limiter, active

    async def admit(self, key: str, budget: Budget, tokens: int = 0) -> Admission:
        return await self._limiter.admit(key, budget, tokens)

    async def reconcile(self, admission: Admission, tokens: int) -> Usage:
        return await self._limiter.reconcile(admission, tokens)

    async def release(self, admission: Admission) -> None:
        await self._limiter.release(admission)

    async def close(self) -> None:
        await self._limiter.close()
