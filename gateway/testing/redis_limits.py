"""Defects of the shared limiter (``gateway/limits/redis.py``, chosen by ``[limits] redis_url``), both on
the deployment's limiter (``state.limiter``): bypassed by one that lives in this process only, or asked
whether there is room and then told to record, in two steps another instance can come between."""

from __future__ import annotations

import dataclasses
import time
from typing import Any, cast

from gateway.limits import build_limiter
from gateway.middleware.limits import Limiter, Verdict
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
"""The gap between reading the count and recording (a real race's gap, widened so it is always hit)."""

_UNLIMITED_RPM = 1_000_000_000


class _Limiter:
    """Forwards every call to the deployment's limiter or, while the defect is on, to the embedded default
    a gateway without ``redis_url`` would build (whatever interface admission calls)."""

    def __init__(self, shared: object, local: object, active: ActiveDefects) -> None:
        self._shared, self._local, self._active = shared, local, active

    def __getattr__(self, name: str) -> Any:
        return getattr(self._local if self._active.on(LIMITER_PER_PROCESS.name) else self._shared, name)


class _ReadThenWrite:
    """The limiter, checking for room and then recording without a second look while the defect is on."""

    def __init__(self, limiter: Limiter, active: ActiveDefects) -> None:
        self._limiter, self._active = limiter, active

    def admit(self, account_id: str, rpm: int) -> Verdict:
        if not self._active.on(LIMITER_READ_THEN_WRITE.name):
            return self._limiter.admit(account_id, rpm)
        self._limiter.check(account_id, rpm)
        time.sleep(_RACE_SECONDS)
        verdict = self._limiter.admit(account_id, _UNLIMITED_RPM)
        return Verdict(rpm, max(0, rpm - (_UNLIMITED_RPM - verdict.remaining)), verdict.reset_seconds)

    def check(self, account_id: str, rpm: int) -> None:
        self._limiter.check(account_id, rpm)


def install(state: GatewayState, active: ActiveDefects) -> None:
    """Wrap the limiter."""
    local = build_limiter(dataclasses.replace(state.settings, redis_url=""))
    state.limiter = _ReadThenWrite(cast(Limiter, _Limiter(state.limiter, local, active)), active)
