"""The usage log's middleware, just inside authentication (D-203): every authenticated HTTP call becomes one
:class:`~gateway.store.usage.UsageEntry`, failed ones included (4xx after authentication, 402, 429, upstream
errors, a client that left), with what the route recorded (:mod:`gateway.usage`), the status answered and the
latency. The entry is queued as the last body message goes out, before it is written, so a client that reads
``GET /v1/usage`` right after an answer finds its call; a response that never sends its last message (a cut
stream, a crash) is queued when the app returns. Reading the log is not itself logged."""

from __future__ import annotations

import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gateway.state import state_of
from gateway.store import usd_to_nano
from gateway.store.usage import UsageEntry
from gateway.usage import record_of

__all__ = ["USAGE_PATH", "UsageMiddleware", "entry_of"]

USAGE_PATH = "/v1/usage"


def entry_of(scope: Scope, status: int, started: float, arrived: float) -> UsageEntry | None:
    """The call's entry from what the scope holds; ``None`` when the call was not authenticated."""
    state = scope.get("state", {})
    auth = state.get("auth")
    if auth is None:
        return None
    record = record_of(scope)
    usage = record.usage
    return UsageEntry(
        request_id=state.get("request_id") or "", account_id=auth.account_id, key_id=auth.key_id,
        model=record.model, endpoint=scope["path"], method=scope["method"], status=status,
        input_tokens=usage.input_tokens if usage else 0, output_tokens=usage.output_tokens if usage else 0,
        reasoning_tokens=usage.reasoning_tokens if usage else 0, cached_tokens=usage.cached_tokens if usage else 0,
        units=record.units, cost_nano=usd_to_nano(record.cost_usd) if record.cost_usd else 0,
        latency_ms=round((time.perf_counter() - started) * 1000, 3), created_at=arrived)


class UsageMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or "auth" not in scope.get("state", {}) or scope["path"] == USAGE_PATH:
            await self.app(scope, receive, send)
            return
        state, started = state_of(scope), time.perf_counter()
        arrived, status, queued = state.clock.now(), 500, False

        def queue() -> None:
            nonlocal queued
            entry = entry_of(scope, status, started, arrived)
            queued = True
            if entry is not None:
                state.usage_log.submit(entry)

        async def observing_send(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            elif message["type"] == "http.response.body" and not message.get("more_body") and not queued:
                queue()
            await send(message)

        try:
            await self.app(scope, receive, observing_send)
        finally:
            if not queued:
                queue()
