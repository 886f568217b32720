"""Defects of the run-events WebSocket (D-121, D-122): what a connection is sent, and which runs it finds.

Seams: layers around the channel (outermost, so they see every message the route and the auth
middleware send, and the upgrade's subprotocols before authentication) and the channel's run lookup
(``state.events.find``), which learns each run's owner from the published transitions.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gateway.formats.run_events import BEARER_PREFIX
from gateway.state import GatewayState
from gateway.store.jobs import JobRecord
from gateway.testing.asgi import layer
from gateway.testing.registry import ActiveDefects, defect

__all__ = ["install"]

CHANNEL = "/v1/runs/events"
_TERMINAL = ("run.completed", "run.failed")

COMPLETED_TWICE = defect("runs_completed_twice", "a run's terminal event is sent exactly once (D-121)")
COMPLETED_FIRST = defect("runs_completed_before_queued", "run.queued comes before the terminal event (D-121)")
NO_OCCURRED_AT = defect("runs_missing_occurred_at", "every run event carries occurredAt (asyncapi RunQueued…)")
FOREIGN_STREAMED = defect("runs_foreign_streamed", "another account's run is error run_not_found (D-121)")
UNKNOWN_SILENT = defect("runs_unknown_silent", "an unknown run is answered error run_not_found, never silence "
                                               "(D-121)")
LATE_NOTHING = defect("runs_late_subscriber_nothing", "a subscriber after the end gets the terminal event "
                                                      "(D-121)")
FAILED_NO_ERROR = defect("runs_failed_without_error", "run.failed carries error (asyncapi RunFailed)")
BAD_KEY_SILENT = defect("runs_bad_key_silent", "a refused key gets one error message before close 4401 (D-122)")
BROWSER_IGNORED = defect("runs_browser_auth_ignored", "the bearer.<key> subprotocol authenticates (D-122)")
KEY_ECHOED = defect("runs_key_echoed", "the server selects empiriolabs.v1, never the key's subprotocol (D-122)")

Rewrite = Callable[[dict[str, Any]], list[dict[str, Any]]]
"""One connection's rewrite of a message it is sent: the messages to send instead."""


def _channel(scope: Scope) -> bool:
    return bool(scope["type"] == "websocket" and scope["path"] == CHANNEL)


def _rewriting(per_connection: Callable[[], Rewrite]) -> Callable[[ASGIApp], ASGIApp]:
    """A layer handing every JSON text message of a channel connection to a fresh ``per_connection()``."""

    def make(app: ASGIApp) -> ASGIApp:
        async def rewriting(scope: Scope, receive: Receive, send: Send) -> None:
            if not _channel(scope):
                await app(scope, receive, send)
                return
            rewrite = per_connection()

            async def sending(message: Message) -> None:
                if message["type"] != "websocket.send" or message.get("text") is None:
                    await send(message)
                    return
                for out in rewrite(json.loads(message["text"])):
                    await send({"type": "websocket.send", "text": json.dumps(out)})

            await app(scope, receive, sending)

        return rewriting

    return make


def _twice() -> Rewrite:
    return lambda m: [m, m] if m.get("type") == "run.completed" else [m]


def _completed_first() -> Rewrite:
    held: dict[str, dict[str, Any]] = {}

    def rewrite(message: dict[str, Any]) -> list[dict[str, Any]]:
        run_id = str(message.get("runId"))
        if message.get("type") == "run.queued":
            held[run_id] = message
            return []
        if message.get("type") in _TERMINAL and run_id in held:
            return [message, held.pop(run_id)]
        return [message]

    return rewrite


def _no_occurred_at() -> Rewrite:
    return lambda m: [{k: v for k, v in m.items() if k != "occurredAt"} if str(m.get("type")).startswith("run.")
                      else m]


def _unknown_silent() -> Rewrite:
    return lambda m: [] if m.get("type") == "error" and m.get("code") == "run_not_found" else [m]


def _late_nothing() -> Rewrite:
    seen: set[str] = set()

    def rewrite(message: dict[str, Any]) -> list[dict[str, Any]]:
        kind, run_id = message.get("type"), str(message.get("runId"))
        if not str(kind).startswith("run."):
            return [message]
        first = run_id not in seen
        seen.add(run_id)
        return [] if first and kind in _TERMINAL else [message]

    return rewrite


def _failed_no_error() -> Rewrite:
    return lambda m: [{k: v for k, v in m.items() if k != "error"} if m.get("type") == "run.failed" else m]


def _bad_key_silent() -> Rewrite:
    return lambda m: [] if m.get("type") == "error" and m.get("code") in ("invalid_api_key", "missing_api_key") \
        else [m]


for _defect, _make in ((COMPLETED_TWICE, _twice), (COMPLETED_FIRST, _completed_first),
                       (NO_OCCURRED_AT, _no_occurred_at), (UNKNOWN_SILENT, _unknown_silent),
                       (LATE_NOTHING, _late_nothing), (FAILED_NO_ERROR, _failed_no_error),
                       (BAD_KEY_SILENT, _bad_key_silent)):
    layer(_defect)(_rewriting(_make))


@layer(BROWSER_IGNORED)
def _browser_ignored(app: ASGIApp) -> ASGIApp:
    async def ignoring(scope: Scope, receive: Receive, send: Send) -> None:
        if _channel(scope):
            offered = [p for p in scope.get("subprotocols") or () if not p.startswith(BEARER_PREFIX)]
            scope = {**scope, "subprotocols": offered}
        await app(scope, receive, send)

    return ignoring


@layer(KEY_ECHOED)
def _key_echoed(app: ASGIApp) -> ASGIApp:
    async def echoing(scope: Scope, receive: Receive, send: Send) -> None:
        offered = [p for p in scope.get("subprotocols") or () if p.startswith(BEARER_PREFIX)]

        async def sending(message: Message) -> None:
            if message["type"] == "websocket.accept" and offered:
                message = {**message, "subprotocol": offered[0]}
            await send(message)

        await app(scope, receive, sending if _channel(scope) else send)

    return echoing


def install(state: GatewayState, active: ActiveDefects) -> None:
    """Wrap the channel's run lookup: with :data:`FOREIGN_STREAMED` on it finds any account's run."""
    events = state.events
    owners: dict[str, str] = {}
    publish, find = events.publish, events.find

    def remembering(record: JobRecord) -> None:
        owners[record.id] = record.account_id
        publish(record)

    async def finding(account_id: str, run_id: str) -> JobRecord | None:
        if active.on(FOREIGN_STREAMED.name):
            account_id = owners.get(run_id, account_id)
        return await find(account_id, run_id)

    events.publish = remembering  # type: ignore[method-assign]
    events.find = finding
