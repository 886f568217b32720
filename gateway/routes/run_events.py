"""``/v1/runs/events`` (``specs/asyncapi.yaml``, D-121 – D-123): the run-events WebSocket.

Authentication is the auth middleware's (D-122). A connection counts against its account's cap from here
to its close (4429 past it), then follows the runs it subscribes to through one queue of
:class:`gateway.jobs.events.RunEvents`: each ``subscribe`` is answered ``subscribed``, then per run either
``error`` ``run_not_found`` or the run's current state from the job store (so a subscriber that comes after
the end still gets the terminal event while the job is retained), then every later transition, only ever
forward, the terminal event once. A connection following no unfinished run is closed with 1000 after
``runs_idle_timeout``. Whatever goes wrong inside is ``error`` ``internal_error`` and close 1011.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from typing import Any

from starlette.websockets import WebSocket, WebSocketDisconnect

from gateway.errors import InvalidRequest, shown
from gateway.formats.run_events import (
    SUBPROTOCOL,
    decode_subscribe,
    error_message,
    rank,
    run_event,
    subscribed,
)
from gateway.middleware.auth import AuthContext
from gateway.middleware.errors import refuse_websocket
from gateway.state import GatewayState, state_of
from gateway.store.jobs import JobRecord

__all__ = ["FAULT_CLOSE", "IDLE_CLOSE", "TOO_MANY_CLOSE", "run_events"]

log = logging.getLogger("gateway.runs")

IDLE_CLOSE = 1000
FAULT_CLOSE = 1011
TOO_MANY_CLOSE = 4429


async def run_events(websocket: WebSocket) -> None:
    state = state_of(websocket.scope)
    auth: AuthContext = websocket.scope["state"]["auth"]
    if not state.events.connect(auth.account_id):
        message = error_message("rate_limit_exceeded", "Too many open run-event connections for this account.",
                                None, state.clock.now())
        await refuse_websocket(websocket.scope, websocket.receive, websocket.send, message, TOO_MANY_CLOSE)
        return
    try:
        await _Connection(websocket, state, auth.account_id).serve()
    finally:
        state.events.disconnect(auth.account_id)


class _Connection:
    def __init__(self, websocket: WebSocket, state: GatewayState, account_id: str) -> None:
        self.websocket, self.state, self.account_id = websocket, state, account_id
        self.queue: asyncio.Queue[JobRecord] = asyncio.Queue()
        self.ranks: dict[str, int] = {}
        """Per run followed: the rank of the last event sent (-1 before the first)."""
        self.unfinished: set[str] = set()
        self.lock = asyncio.Lock()
        self.idle_since: float | None = None

    async def serve(self) -> None:
        offered = self.websocket.scope.get("subprotocols") or ()
        await self.websocket.accept(subprotocol=SUBPROTOCOL if SUBPROTOCOL in offered else None)
        self.idle_since = asyncio.get_running_loop().time()
        tasks = [asyncio.create_task(self._read()), asyncio.create_task(self._forward())]
        try:
            await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in tasks:
                task.cancel()
            outcomes = await asyncio.gather(*tasks, return_exceptions=True)
            for run_id in self.ranks:
                self.state.events.unsubscribe(run_id, self.queue)
        faults = [o for o in outcomes if isinstance(o, Exception) and not isinstance(o, WebSocketDisconnect)]
        if faults:
            log.error("run-events connection failed", exc_info=faults[0])
            await self._fault()

    async def _fault(self) -> None:
        with contextlib.suppress(Exception):
            await self.websocket.send_text(_text(error_message(
                "internal_error", "The server failed; reconnect and subscribe again.", None, self.state.clock.now())))
            await self.websocket.close(FAULT_CLOSE)

    async def _send(self, message: dict[str, Any]) -> None:
        async with self.lock:
            await self.websocket.send_text(_text(message))

    async def _read(self) -> None:
        loop, idle = asyncio.get_running_loop(), self.state.settings.runs_idle_timeout
        while True:
            since = self.idle_since
            wait = idle if since is None else max(0.0, since + idle - loop.time())
            try:
                message = await asyncio.wait_for(self.websocket.receive(), wait)
            except TimeoutError:
                if self.idle_since is not None and loop.time() - self.idle_since >= idle:
                    await self.websocket.close(IDLE_CLOSE)
                    return
                continue
            if message["type"] == "websocket.disconnect":
                return
            text = message.get("text")
            if text is None:
                await self._send(error_message("invalid_request", "Frames are UTF-8 text holding JSON.", None,
                                               self.state.clock.now()))
                continue
            await self._subscribe(text)

    async def _subscribe(self, text: str) -> None:
        try:
            run_ids = decode_subscribe(text)
        except InvalidRequest as error:
            await self._send(error_message("invalid_request", error.message, None, self.state.clock.now()))
            return
        found = [(run_id, await self.state.events.find(self.account_id, run_id)) for run_id in run_ids]
        await self._send(subscribed([run_id for run_id, record in found if record is not None],
                                    self.state.clock.now()))
        for run_id, record in found:
            if record is None:
                await self._send(error_message("run_not_found", f"No run with id {shown(run_id)}.", run_id,
                                               self.state.clock.now()))
            elif run_id not in self.ranks:
                self.ranks[run_id] = -1
                self.state.events.subscribe(run_id, self.queue)
                await self._emit(await self.state.events.find(self.account_id, run_id) or record)

    async def _forward(self) -> None:
        while True:
            await self._emit(await self.queue.get())

    async def _emit(self, record: JobRecord) -> None:
        """Send ``record``'s event unless the connection already sent this run that far."""
        async with self.lock:
            last = self.ranks.get(record.id)
            if last is None or rank(record.status) <= last:
                return
            self.ranks[record.id] = rank(record.status)
            if record.finished:
                self.state.events.unsubscribe(record.id, self.queue)
                self.unfinished.discard(record.id)
            else:
                self.unfinished.add(record.id)
            self.idle_since = None if self.unfinished else asyncio.get_running_loop().time()
            await self.websocket.send_text(_text(run_event(record)))


def _text(message: dict[str, Any]) -> str:
    return json.dumps(message, ensure_ascii=False, separators=(",", ":"))
