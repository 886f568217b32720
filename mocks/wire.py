"""How a prepared reply leaves the mock: plain ASGI responses that honour a fault :class:`~mocks.faults.Plan`.

Replies are rendered in full before anything is sent (they are deterministic), then delivered with the
plan's latency, pacing, keep-alives and breakage. Every delivery races the client: when the client
disconnects, the delivery stops, so a hung or stalled reply never outlives its caller.

An abrupt close is the ASGI app returning without finishing the body: the server then drops the
connection mid-message, which is what a crashed upstream looks like to the gateway.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from mocks.faults import HANG_SECONDS, Plan

__all__ = ["Event", "JSONDelivery", "SSEDelivery"]

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]

KEEPALIVE = b": keep-alive\n\n"


@dataclass(frozen=True)
class Event:
    """One SSE event: ``data`` is JSON text (or a sentinel such as ``[DONE]``), ``name`` its ``event:``."""

    data: str
    name: str | None = None

    def render(self, data: str | None = None) -> bytes:
        head = f"event: {self.name}\n" if self.name else ""
        return f"{head}data: {self.data if data is None else data}\n\n".encode()


async def _guarded(receive: Receive, work: Awaitable[None]) -> None:
    """Run ``work`` until it ends or the client disconnects, whichever comes first."""

    async def disconnected() -> None:
        while (await receive())["type"] != "http.disconnect":
            pass

    task = asyncio.ensure_future(work)
    watcher = asyncio.ensure_future(disconnected())
    done, pending = await asyncio.wait({task, watcher}, return_when=asyncio.FIRST_COMPLETED)
    for other in pending:
        other.cancel()
    await asyncio.gather(*pending, return_exceptions=True)
    if task in done:
        task.result()


def _headers(headers: Mapping[str, str], extra: Mapping[str, str]) -> list[tuple[bytes, bytes]]:
    merged = {**headers, **extra}
    return [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in merged.items()]


async def _delay(plan: Plan) -> None:
    if plan.latency:
        await asyncio.sleep(plan.latency)
    if plan.hang:
        await asyncio.sleep(plan.hang)


class JSONDelivery:
    """A JSON body, delayed, broken or preceded by keep-alive blank lines as ``plan`` says."""

    def __init__(self, body: bytes, status: int, headers: Mapping[str, str], plan: Plan,
                 content_type: str = "application/json") -> None:
        self.body, self.status, self.headers, self.plan = body, status, headers, plan
        self.content_type = content_type

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await _guarded(receive, self._deliver(send))

    async def _deliver(self, send: Send) -> None:
        plan, body = self.plan, self.body
        await _delay(plan)
        if plan.malformed:
            body = body[: len(body) // 2]
        content = {"content-type": self.content_type}
        if plan.keepalive:
            await send({"type": "http.response.start", "status": self.status,
                        "headers": _headers(self.headers, content)})
            for _ in range(3):
                await send({"type": "http.response.body", "body": b"\n", "more_body": True})
                await asyncio.sleep(plan.pace)
            await send({"type": "http.response.body", "body": body})
            return
        length = {**content, "content-length": str(len(body))}
        await send({"type": "http.response.start", "status": self.status, "headers": _headers(self.headers, length)})
        if plan.cut:
            await send({"type": "http.response.body", "body": body[: len(body) // 2], "more_body": True})
            return
        await send({"type": "http.response.body", "body": body})


class SSEDelivery:
    """An SSE stream whose last event is its terminator (``[DONE]`` or ``message_stop``).

    Fault positions count events from 1 and are clamped so the terminator is never one of them:
    ``cut:N`` sends N events and drops the connection, ``midstream:N`` sends N events then
    ``error_event`` and ends cleanly, ``malformed:N`` halves the N-th event's JSON, ``stall:N`` goes
    quiet for 60 s after N events.
    """

    def __init__(self, events: Sequence[Event], headers: Mapping[str, str], plan: Plan,
                 error_event: Event | None = None) -> None:
        self.events, self.headers, self.plan, self.error_event = list(events), headers, plan, error_event

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await _guarded(receive, self._deliver(send))

    def _at(self, position: int | None) -> int | None:
        return None if position is None else min(position, len(self.events) - 1)

    async def _deliver(self, send: Send) -> None:
        plan = self.plan
        cut, malformed, stall, midstream = (self._at(p) for p in (plan.cut, plan.malformed, plan.stall,
                                                                   plan.midstream))
        await _delay(plan)
        await send({"type": "http.response.start", "status": 200, "headers": _headers(self.headers, {
            "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache"})})

        async def emit(chunk: bytes) -> None:
            await send({"type": "http.response.body", "body": chunk, "more_body": True})

        if plan.keepalive:
            await emit(KEEPALIVE)
        for number, event in enumerate(self.events, start=1):
            if number > 1 and plan.pace:
                await asyncio.sleep(plan.pace)
            if plan.keepalive:
                await emit(KEEPALIVE)
            await emit(event.render(event.data[: len(event.data) // 2] if number == malformed else None))
            if number == stall:
                await asyncio.sleep(HANG_SECONDS)
            if number == cut:
                return
            if number == midstream and self.error_event is not None:
                await emit(self.error_event.render())
                break
        await send({"type": "http.response.body", "body": b""})
