"""Checks of asynchronous jobs (D-9, D-13, D-89): an ``async`` image request is a job answered 202 with an absolute
polling URL, polled ``queued → running → completed`` with its result; a job is found only by its account, for
the hour after it finished; a failed job carries an OpenAI error body; ids are unguessable (D-112); polling is
outside the generation budget (D-3)."""

from __future__ import annotations

import re
from os.path import commonprefix
from typing import Any

from suites.checks import cut, holds
from suites.rules import register

__all__ = [
    "ASYNC_ACCEPTED",
    "FAILED",
    "GONE",
    "IDS",
    "ID_CHARS",
    "KEPT",
    "LIFECYCLE",
    "NOT_FOUND",
    "POLL_FREE",
    "failed_job",
    "unguessable_ids",
]

ASYNC_ACCEPTED = "images_async_accepted"
LIFECYCLE = "jobs_lifecycle"
NOT_FOUND = "jobs_not_found"
KEPT = "jobs_kept_for_the_hour"
GONE = "jobs_gone_after_the_hour"
IDS = "jobs_ids_unguessable"
POLL_FREE = "jobs_polling_free"
FAILED = "jobs_failed_shape"

register(ASYNC_ACCEPTED, "decision:D-9",
         "async: true answers 202 JobAccepted with job_id, an absolute polling_url equal to Location")
register(LIFECYCLE, "decision:D-13",
         "a job moves queued → running → completed in order, with result set exactly when completed")
register(NOT_FOUND, "decision:D-13", "an unknown job id, or another account's job, is 404 job_not_found")
register(KEPT, "decision:D-13",
         "a finished job's expires_at is completed_at + job_retention_seconds and it is readable until then")
register(GONE, "docs:api-reference-overview#long-running-requests",
         "job state is retained for up to 1 hour after completion: past it GET /v1/jobs/{job_id} no longer serves it")
register(IDS, "decision:D-112",
         "a job id is job_ and at least 22 URL-safe base64 characters (128 bits), two jobs' ids unrelated")
register(POLL_FREE, "decision:D-3",
         "polling GET /v1/jobs/{job_id} is outside the generation budget: an account past it still polls")
register(FAILED, "decision:D-89",
         "a failed job has status failed, result null and error an OpenAI error body (message, type, code)")

ID_CHARS = 22
"""URL-safe base64 characters of 128 bits (D-112)."""
_SHAPE = re.compile(r"^job_([A-Za-z0-9_-]+)$")
_RELATED = 6
"""Characters two random ids share at their start or end with probability about 2^-36: a counter or a clock."""


def unguessable_ids(first: str, second: str) -> None:
    """Two job ids of the D-112 shape, carrying 128 bits or more, that share no long prefix or suffix."""
    parts = []
    for job_id in (first, second):
        found = _SHAPE.match(job_id)
        holds(IDS, found is not None, f"job id {cut(job_id)} is not job_ and URL-safe base64 characters")
        parts.append(found.group(1) if found is not None else job_id)
        holds(IDS, len(parts[-1]) >= ID_CHARS,
              f"job id {job_id!r} has {len(parts[-1])} random characters, fewer than {ID_CHARS} (128 bits)")
    a, b = parts
    holds(IDS, a != b, f"two jobs got the same id {first!r}")
    prefix, suffix = len(commonprefix([a, b])), len(commonprefix([a[::-1], b[::-1]]))
    holds(IDS, prefix < _RELATED and suffix < _RELATED,
          f"job ids {first!r} and {second!r} share {max(prefix, suffix)} characters at one end: a counter or a "
          f"timestamp, not random")


def failed_job(job: dict[str, Any], label: str) -> dict[str, Any]:
    """``job`` is failed, without a result, with an OpenAI error body; that body."""
    holds(FAILED, job.get("status") == "failed", f"{label}: status {job.get('status')!r}, not failed")
    holds(FAILED, job.get("result") is None, f"{label}: a failed job with a result {cut(job.get('result'))}")
    error = job.get("error")
    holds(FAILED, isinstance(error, dict), f"{label}: error is {cut(error)}, not an error object")
    if not isinstance(error, dict):
        return {}
    for key in ("message", "type", "code"):
        holds(FAILED, isinstance(error.get(key), str) and bool(error.get(key)),
              f"{label}: the error has no {key}: {cut(error)}")
    return error
