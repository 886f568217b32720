"""Defects of jobs backed by upstream jobs (D-89, D-114, D-115): a job left running after an upstream failure
or past its deadline, a failed job charged, a job not resumed or left running after a restart.

Seams: the job store (``state.jobs.jobs``: what a transition stores, what recovery finds), the account store
(``state.store``: a debit) and the resumers (``state.resumers``, read by start-up recovery).
"""

from __future__ import annotations

from decimal import Decimal

from gateway.jobs import Resume, Work
from gateway.state import GatewayState
from gateway.store import AccountStore, usd_to_nano
from gateway.store.jobs import JobRecord, JobStore
from gateway.testing.registry import ActiveDefects, defect

__all__ = ["install"]

STUCK_AFTER_FAILURE = defect("jobs_stuck_after_upstream_failure",
                             "an upstream job that fails or is refused fails the job upstream_error (D-89)")
HANG_NEVER_TIMES_OUT = defect("jobs_hang_never_times_out",
                              "a job still running at the job deadline fails upstream_error (D-89)")
FAILED_CHARGED = defect("jobs_failed_charged", "a failed job is not charged (D-89)")
NOT_RESUMED = defect("jobs_not_resumed_after_restart",
                     "a job running when the gateway stops is resumed from its upstream job (D-114)")
STUCK_AFTER_RESTART = defect("jobs_stuck_after_restart",
                             "after a restart a job left running is resumed or failed, never left running (D-89)")
_DEADLINE = "The job did not finish within"
_CHARGE = usd_to_nano(Decimal("0.01"))


def _upstream_failure(record: JobRecord) -> str | None:
    """``deadline`` or ``failure`` for a job failing ``upstream_error``, else ``None``."""
    error = record.error or {}
    if record.status != "failed" or error.get("code") != "upstream_error":
        return None
    return "deadline" if str(error.get("message", "")).startswith(_DEADLINE) else "failure"


class _Store:
    def __init__(self, inner: JobStore, accounts: AccountStore, active: ActiveDefects) -> None:
        self.inner, self.accounts, self.active = inner, accounts, active
        self.charged: set[str] = set()

    async def put(self, record: JobRecord) -> None:
        cause = _upstream_failure(record)
        if (cause == "failure" and self.active.on(STUCK_AFTER_FAILURE.name)) or (
                cause == "deadline" and self.active.on(HANG_NEVER_TIMES_OUT.name)):
            return
        if record.status == "failed" and self.active.on(FAILED_CHARGED.name) and record.id not in self.charged:
            self.charged.add(record.id)
            await self.accounts.hold(record.id, record.account_id, _CHARGE)
            await self.accounts.settle(record.id)
        await self.inner.put(record)

    async def get(self, account_id: str, job_id: str, now: int) -> JobRecord | None:
        return await self.inner.get(account_id, job_id, now)

    async def unfinished(self) -> list[JobRecord]:
        return [] if self.active.on(STUCK_AFTER_RESTART.name) else await self.inner.unfinished()

    async def purge(self, now: int) -> int:
        return await self.inner.purge(now)


def _resumer(inner: Resume, active: ActiveDefects) -> Resume:
    def resume(record: JobRecord) -> Work | None:
        return None if active.on(NOT_RESUMED.name) else inner(record)

    return resume


def install(state: GatewayState, active: ActiveDefects) -> None:
    """Wrap the job store and every resumer."""
    state.jobs.jobs = _Store(state.jobs.jobs, state.store, active)
    state.resumers = {kind: _resumer(resume, active) for kind, resume in state.resumers.items()}
