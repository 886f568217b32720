"""Checks of the run-events channel (``specs/asyncapi.yaml``, D-121, D-122): what a subscriber receives for a
run, in which order, that it agrees with ``GET /v1/jobs/{id}``, and who may connect. That every message
validates as one of the channel's messages is the driver's (:mod:`suites.ws`), under :data:`MESSAGES`."""

from __future__ import annotations

from datetime import datetime
from itertools import pairwise
from typing import Any

from suites.checks import cut, expect, fail, holds
from suites.rules import register

__all__ = ["AGREES", "AUTH", "LATE", "MESSAGES", "NOT_FOUND", "ORDER", "REFUSED", "agrees", "authenticated",
           "in_order", "not_found", "refused", "run_messages", "terminal"]

MESSAGES = "run_events_messages"
ORDER = "run_events_order"
AGREES = "run_events_agree_with_job"
LATE = "run_events_late_subscriber"
NOT_FOUND = "run_events_not_found"
AUTH = "run_events_auth"
REFUSED = "run_events_bad_key"

register(MESSAGES, "docs:create-an-anthropic-style-message#asyncapi-specification",
         "every message of /v1/runs/events validates as one of the channel's AsyncAPI messages (run.queued, "
         "run.completed with output, run.failed with error, each with runId, occurredAt and status)")
register(ORDER, "decision:D-121", "per run, events only move forward (run.queued < run.started < terminal), "
                                  "with exactly one terminal event and nothing after it")
register(AGREES, "decision:D-121", "a run event agrees with GET /v1/jobs/{id}: its status, the result as "
                                   "output.result, the error message and code, occurredAt the transition's time")
register(LATE, "decision:D-121", "a subscriber connecting after the run finished gets its terminal event "
                                 "while the job is retained")
register(NOT_FOUND, "decision:D-121", "an unknown run, or another account's, is left out of subscribed and "
                                      "answered error run_not_found with its runId, never silence")
register(AUTH, "decision:D-122", "Authorization: Bearer, x-api-key and the subprotocols empiriolabs.v1 + "
                                 "bearer.<key> each authenticate; the server selects empiriolabs.v1, never the key")
register(REFUSED, "decision:D-122", "a missing or bad key gets one error (missing_api_key / invalid_api_key), "
                                    "then close 4401")

_RANK = {"run.queued": 0, "run.started": 1, "run.completed": 2, "run.failed": 2}
TERMINAL = ("run.completed", "run.failed")


def run_messages(messages: list[dict[str, Any]], run_id: str) -> list[dict[str, Any]]:
    """The run events (``run.*``) of ``run_id`` among ``messages``."""
    return [m for m in messages if str(m.get("type")).startswith("run.") and m.get("runId") == run_id]


def terminal(messages: list[dict[str, Any]], run_id: str) -> bool:
    return any(m.get("type") in TERMINAL for m in run_messages(messages, run_id))


def in_order(messages: list[dict[str, Any]], run_id: str, *, first: str | None = None) -> dict[str, Any]:
    """The run's events move forward to exactly one terminal event, the last (``first``: the one that must
    open them); that terminal event."""
    events = run_messages(messages, run_id)
    kinds = [str(e.get("type")) for e in events]
    holds(ORDER, bool(kinds), f"events for run {run_id}, got none (messages: {cut([m.get('type') for m in messages])})")
    if first is not None:
        expect(ORDER, kinds[0] == first, f"{first} first (subscribed while it was current)", kinds)
    ranks = [_RANK.get(k, -1) for k in kinds]
    holds(ORDER, all(a < b for a, b in pairwise(ranks)),
          f"events only moving forward, one per state, got {kinds}")
    ends = [k for k in kinds if k in TERMINAL]
    expect(ORDER, len(ends) == 1 and kinds[-1] in TERMINAL, "exactly one terminal event, the last", kinds)
    return events[-1]


def _epoch(value: Any) -> float | None:
    try:
        return datetime.fromisoformat(str(value)).timestamp()
    except ValueError:
        return None


def agrees(event: dict[str, Any], job: dict[str, Any]) -> None:
    """``event`` (the run's terminal event) says what the job says."""
    expect(AGREES, event.get("status") == job.get("status"), f"status {job.get('status')!r} as the job",
           event.get("status"))
    when, completed = _epoch(event.get("occurredAt")), job.get("completed_at")
    holds(AGREES, when is not None and isinstance(completed, int) and abs(when - completed) <= 1,
          f"occurredAt the job's completed_at ({completed}), got {event.get('occurredAt')!r}")
    if job.get("status") == "completed":
        output = event["output"] if isinstance(event.get("output"), dict) else {}
        holds(AGREES, output.get("result", job.get("result")) == job.get("result"),
              f"output.result equal to the job's result, got {cut(output.get('result'))}")
    elif job.get("status") == "failed":
        error = job.get("error") or {}
        expect(AGREES, event.get("error") == error.get("message"), f"error {error.get('message')!r}",
               event.get("error"))
        expect(AGREES, event.get("code", error.get("code")) == error.get("code"), f"code {error.get('code')!r}",
               event.get("code"))


def not_found(messages: list[dict[str, Any]], run_id: str) -> None:
    """``run_id`` was refused as not found, named, and nothing of it streamed."""
    acks = [m for m in messages if m.get("type") == "subscribed"]
    holds(NOT_FOUND, bool(acks) and run_id not in (acks[0].get("runIds") or []),
          f"subscribed without {run_id}, got {cut(acks)}")
    errors = [m for m in messages if m.get("type") == "error" and m.get("runId") == run_id]
    if not errors:
        fail(NOT_FOUND, f"error run_not_found for {run_id}, got {cut([m.get('type') for m in messages]) or 'silence'}")
    expect(NOT_FOUND, errors[0].get("code") == "run_not_found", "code run_not_found", errors[0].get("code"))
    holds(NOT_FOUND, not run_messages(messages, run_id), f"no events of {run_id}, got {cut(run_messages(messages, run_id))}")


def authenticated(messages: list[dict[str, Any]], how: str) -> None:
    kinds = [(m.get("type"), m.get("code")) for m in messages]
    holds(AUTH, bool(messages) and messages[0].get("type") == "subscribed",
          f"a key in {how} authenticates (subscribed first), got {kinds or 'nothing'}")


def refused(messages: list[dict[str, Any]], close_code: int | None, code: str, how: str) -> None:
    errors = [m for m in messages if m.get("type") == "error"]
    holds(REFUSED, len(errors) == 1 and errors[0].get("code") == code and len(messages) == 1,
          f"{how}: one error {code}, got {cut([(m.get('type'), m.get('code')) for m in messages]) or 'nothing'}")
    expect(REFUSED, close_code == 4401, f"{how}: close 4401", close_code)
