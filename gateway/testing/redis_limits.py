"""Defects of the shared limiter (``gateway/limits/redis.py``, chosen by ``[limits] redis_url``): the
deployment's limiter (``state.limiter``) bypassed by one that lives in this process only."""

from __future__ import annotations

import dataclasses
from typing import Any, cast

from gateway.limits import build_limiter
from gateway.state import GatewayState
from gateway.testing.registry import ActiveDefects, defect

__all__ = ["install"]

LIMITER_PER_PROCESS = defect(
    "limiter_per_process",
    "gateway instances sharing one Redis enforce one rate limit between them (D-4, D-151)",
)


class _Limiter:
    """Forwards every call to the deployment's limiter or, while the defect is on, to the embedded default
    a gateway without ``redis_url`` would build (whatever interface admission calls)."""

    def __init__(self, shared: object, local: object, active: ActiveDefects) -> None:
        self._shared, self._local, self._active = shared, local, active

    def __getattr__(self, name: str) -> Any:
        return getattr(self._local if self._active.on(LIMITER_PER_PROCESS.name) else self._shared, name)


def install(state: GatewayState, active: ActiveDefects) -> None:
    """Wrap the limiter."""
    local = build_limiter(dataclasses.replace(state.settings, redis_url=""))
    state.limiter = cast(Any, _Limiter(state.limiter, local, active))
