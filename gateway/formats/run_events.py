"""The run-events channel's messages (``specs/asyncapi.yaml``, D-121): the client's ``subscribe`` decoded and
checked against the spec's ``SubscribeRequest``, and the server's messages built from job records.

A run event is the job's state at one transition: ``occurredAt`` is that transition's own time
(``created_at``, ``started_at``, ``completed_at``); :func:`rank` orders them so a connection only moves a
run forward.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from gateway.errors import InvalidRequest
from gateway.schemas import message_schema
from gateway.store.jobs import JobRecord

__all__ = ["BEARER_PREFIX", "EVENT_TYPES", "SUBPROTOCOL", "decode_subscribe", "error_message", "rank", "run_event", "subscribed", "timestamp"]

SUBPROTOCOL = "empiriolabs.v1"
"""The channel's subprotocol, selected when a client offers it (D-122)."""
BEARER_PREFIX = "bearer."
"""A browser's key as a subprotocol: ``bearer.<API key>`` (offered, never selected)."""
EVENT_TYPES = {"queued": "run.queued", "running": "run.started", "completed": "run.completed",
               "failed": "run.failed"}
_RANKS = {"queued": 0, "running": 1, "completed": 2, "failed": 2}
_TRANSCRIPTION = "transcription"


def timestamp(seconds: float) -> str:
    """RFC 3339 UTC, to the second."""
    return datetime.fromtimestamp(int(seconds), UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def decode_subscribe(text: str) -> list[str]:
    """The run ids a client frame asks for, in order (``runId`` joining ``runIds``); 400-style
    :class:`InvalidRequest` for anything that is not a valid ``subscribe``."""
    try:
        frame = json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise InvalidRequest("The frame is not valid JSON.") from exc
    if not isinstance(frame, dict):
        raise InvalidRequest("A frame must be a JSON object.")
    if frame.get("type", "subscribe") != "subscribe":
        raise InvalidRequest("The only client message is 'subscribe'.", param="type")
    message_schema("SubscribeRequest").check(frame)
    ids = [*frame.get("runIds", ()), *([frame["runId"]] if "runId" in frame else [])]
    return list(dict.fromkeys(ids))


def rank(status: str) -> int:
    """How far along the lifecycle ``status`` is (terminal states rank alike)."""
    return _RANKS[status]


def subscribed(run_ids: list[str], now: float) -> dict[str, Any]:
    return {"type": "subscribed", "runIds": run_ids, "occurredAt": timestamp(now)}


def error_message(code: str, message: str, run_id: str | None, now: float) -> dict[str, Any]:
    return {"type": "error", "code": code, "message": message, "runId": run_id, "occurredAt": timestamp(now)}


def _files(result: dict[str, Any]) -> list[dict[str, Any]]:
    files: list[dict[str, Any]] = []
    for item in result.get("data") or ():
        if isinstance(item, dict):
            if item.get("url"):
                files.append({"url": item["url"], **({"mime_type": item["mime_type"]} if item.get("mime_type")
                                                      else {})})
            if item.get("thumbnail_url"):
                files.append({"url": item["thumbnail_url"]})
    if result.get("transcript_url"):
        files.append({"url": result["transcript_url"]})
    return files


def run_event(record: JobRecord) -> dict[str, Any]:
    """The message for the job's current state."""
    status = record.status
    when = {"queued": record.created_at, "running": record.started_at}.get(status, record.completed_at)
    event: dict[str, Any] = {"type": EVENT_TYPES[status], "runId": record.id,
                             "occurredAt": timestamp(when if when is not None else record.created_at),
                             "status": status}
    if status == "completed":
        result = record.result or {}
        text = result.get("text") if record.type == _TRANSCRIPTION else None
        event["output"] = {"text": text if isinstance(text, str) else None, "files": _files(result),
                           "result": result}
    elif status == "failed":
        error = record.error or {}
        event["error"] = str(error.get("message") or "The run failed.")
        event["code"] = str(error.get("code") or "internal_error")
    return event
