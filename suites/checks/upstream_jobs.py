"""Checks shared by the job-backed media endpoints (D-89, D-114, D-115): an upstream job that fails, hangs or
answers a malformed result ends the gateway's job ``failed`` with ``upstream_error`` in the error body,
uncharged; a job running when the gateway stops ends after a restart (resumed, D-114), never left running."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from suites.checks import cut, expect, holds
from suites.rules import register

__all__ = ["AFTER_RESTART", "FAILED", "RESUMED", "UNCHARGED", "failed_job", "uncharged"]

FAILED = "upstream_job_failed"
UNCHARGED = "failed_job_uncharged"
RESUMED = "job_resumed_after_restart"
AFTER_RESTART = "job_ends_after_restart"

register(FAILED, "decision:D-89",
         "an upstream job that fails, is refused, hangs past the job deadline or returns a malformed result ends "
         "the job failed with error code upstream_error (never completed, never left running)")
register(UNCHARGED, "decision:D-89", "a failed job is not charged")
register(RESUMED, "decision:D-114",
         "a job running when the gateway stops is resumed after the restart and completes with its result")
register(AFTER_RESTART, "decision:D-89",
         "after a restart a job left running is resumed or failed, never left queued or running")


def failed_job(job: dict[str, Any], what: str) -> None:
    """``job`` ended ``failed`` with ``upstream_error`` and no result."""
    expect(FAILED, job.get("status") == "failed", f"{what}: the job failed", cut(job, 300))
    error = job.get("error") or {}
    expect(FAILED, error.get("code") == "upstream_error", f"{what}: error code upstream_error", error)
    holds(FAILED, job.get("result") is None, f"{what}: a failed job has no result, got {cut(job.get('result'))}")


def uncharged(before: Decimal | None, after: Decimal | None, what: str) -> None:
    """The balance did not move (when the deployment reports one)."""
    if before is not None and after is not None:
        expect(UNCHARGED, after == before, f"{what}: no debit", f"{before - after} USD debited")
