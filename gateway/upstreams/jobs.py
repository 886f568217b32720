"""Polling an upstream job until it ends: non-blocking sleeps of ``interval`` seconds, progress reported as
it comes; the job runner's deadline (D-89) bounds how long."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from gateway.errors import UpstreamError

__all__ = ["FAILED", "SCRUBBED", "poll", "scrubbed"]

FAILED = "The model provider could not complete the job."
SCRUBBED = frozenset({"id", "request_id", "requestId", "url", "download_url"})
"""Fields of an upstream payload that identify the upstream call; never shown (D-116)."""


def scrubbed(payload: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in payload.items() if k not in SCRUBBED and k != "error"}


async def poll(fetch: Callable[[], Awaitable[dict[str, Any]]], interval: float, *, done: frozenset[str],
               failed: frozenset[str], progress: Callable[[float], Awaitable[None]] | None = None) -> dict[str, Any]:
    """The upstream job's state once its ``status`` is in ``done``; :class:`UpstreamError` once it is in
    ``failed`` (its message never passed on)."""
    while True:
        state = await fetch()
        status = state.get("status")
        if status in done:
            return state
        if status in failed:
            raise UpstreamError(FAILED)
        if progress is not None and isinstance(state.get("progress"), (int, float)):
            await progress(float(state["progress"]))
        await asyncio.sleep(interval)
