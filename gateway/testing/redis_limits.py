"""Defects of the shared limiter (``gateway/limits/redis.py``, chosen by ``[limits] redis_url``), both on
the deployment's limiter (``state.limiter``): bypassed by one that lives in this process only, or asked
whether there is room and then told to record, in two steps another instance can come between."""

from __future__ import annotations

import asyncio
import dataclasses

from gateway.limits.base import Admission, Budget, Limiter, Usage
from gateway.limits.memory import MemoryLimiter
from gateway.state import GatewayState
from gateway.testing.registry import ActiveDefects, defect

__all__ = ["install"]

LIMITER_PER_PROCESS = defect(
    "limiter_per_process",
    "gateway instances sharing one Redis enforce one rate limit between them (D-4, D-151)",
)
LIMITER_READ_THEN_WRITE = defect(
    "limiter_read_then_write",
    "an admission is decided and recorded in one atomic step: simultaneous requests on several instances "
    "never pass the limit (D-151)",
)

_RACE_SECONDS = 0.2
"""The gap between deciding and recording (a real race's gap, widened so it is always hit)."""


class _Limiter:
    """The deployment's limiter or, while ``limiter_per_process`` is on, this process's own; with
    ``limiter_read_then_write`` on, an admission decided (admitted and released), then recorded after a pause
    against an unreachable budget, reporting the real one."""

    def __init__(self, shared: Limiter, active: ActiveDefects) -> None:
        self._shared, self._local, self._active = shared, MemoryLimiter(), active

    def _limiter(self) -> Limiter:
        return self._local if self._active.on(LIMITER_PER_PROCESS.name) else self._shared

    async def admit(self, key: str, budget: Budget, tokens: int = 0) -> Admission:
        limiter = self._limiter()
        if not self._active.on(LIMITER_READ_THEN_WRITE.name):
            return await limiter.admit(key, budget, tokens)
        await limiter.release(await limiter.admit(key, budget, tokens))
        await asyncio.sleep(_RACE_SECONDS)
        wide = Budget(budget.requests * 1000, budget.tokens * 1000, budget.window)
        admission = await limiter.admit(key, wide, tokens)
        usage = admission.usage
        return dataclasses.replace(admission, usage=dataclasses.replace(
            usage, budget=budget, requests_remaining=max(0, usage.requests_remaining - (wide.requests - budget.requests)),
            tokens_remaining=max(0, usage.tokens_remaining - (wide.tokens - budget.tokens))))

    async def reconcile(self, admission: Admission, tokens: int) -> Usage:
        return await self._limiter().reconcile(admission, tokens)

    async def release(self, admission: Admission) -> None:
        await self._limiter().release(admission)

    async def close(self) -> None:
        await self._shared.close()
        await self._local.close()


def install(state: GatewayState, active: ActiveDefects) -> None:
    """Wrap the limiter."""
    state.limiter = _Limiter(state.limiter, active)
