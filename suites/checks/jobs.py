"""Checks of asynchronous jobs (D-9, D-13): an ``async`` image request is a job answered 202 with an absolute
polling URL, polled ``queued → running → completed`` with its result; a job is found only by its account."""

from __future__ import annotations

from suites.rules import register

__all__ = ["ASYNC_ACCEPTED", "LIFECYCLE", "NOT_FOUND"]

ASYNC_ACCEPTED = "images_async_accepted"
LIFECYCLE = "jobs_lifecycle"
NOT_FOUND = "jobs_not_found"

register(ASYNC_ACCEPTED, "decision:D-9",
         "async: true answers 202 JobAccepted with job_id, an absolute polling_url equal to Location")
register(LIFECYCLE, "decision:D-13",
         "a job moves queued → running → completed in order, with result set exactly when completed")
register(NOT_FOUND, "decision:D-13", "an unknown job id, or another account's job, is 404 job_not_found")
