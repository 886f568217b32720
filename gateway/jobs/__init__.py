"""The job runner (D-9, D-13, D-89): asynchronous work with a stored lifecycle.

A route calls :meth:`JobRunner.submit` with the work to do; the job is stored ``queued`` and answered at
once. The work runs as a task: :meth:`JobContext.running` marks it ``running``, its :class:`JobOutcome`
completes it (the cost is journalled before the result is stored and debited after, D-77; against the hold its
request took, when it was handed one, D-186) and any error fails it — releasing that hold — with the error body it would have had on the HTTP path. Every transition is stored and published
to :class:`gateway.jobs.events.RunEvents`. A job has a deadline (``settings.job_timeout``); at start-up,
:meth:`JobRunner.recover` resumes each unfinished job whose type has a resumer and that recorded an
upstream reference, and fails the others — a job is never left ``running``.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from gateway.errors import GatewayError, InternalError, UpstreamError
from gateway.jobs.events import RunEvents
from gateway.store import AccountStore, usd_to_nano
from gateway.store.jobs import JOB_RETENTION_SECONDS, JobRecord, JobStore

__all__ = ["JobContext", "JobOutcome", "JobRunner", "Resume", "Work", "error_body", "new_job_id"]

log = logging.getLogger("gateway.jobs")


@dataclass(frozen=True)
class JobOutcome:
    result: dict[str, Any]
    cost: Decimal = Decimal(0)


def new_job_id() -> str:
    """``job_`` and 144 random bits: unguessable (D-13)."""
    return f"job_{secrets.token_urlsafe(18)}"


def error_body(error: BaseException) -> dict[str, Any]:
    """The OpenAI error body a failed job carries: the gateway error's own, else a 500 that says nothing
    about the cause."""
    if isinstance(error, GatewayError):
        return {"message": error.message, "type": error.type, "param": error.param, "code": error.code}
    return {"message": "The job failed because of an internal error.", "type": "api_error", "param": None,
            "code": "internal_error"}


class JobContext:
    """What running work may tell the runner about its job."""

    def __init__(self, runner: JobRunner, job_id: str) -> None:
        self._runner, self.job_id = runner, job_id

    @property
    def record(self) -> JobRecord:
        return self._runner.record(self.job_id)

    async def running(self) -> None:
        """The upstream accepted the work: ``queued`` → ``running`` (once)."""
        if self.record.status == "queued":
            await self._runner.transition(self.record.but(status="running", started_at=self._runner.now()))

    async def progress(self, percent: float) -> None:
        await self._runner.save(self.record.but(progress=max(0.0, min(100.0, percent))))

    async def remember(self, upstream_ref: str) -> None:
        """The upstream's id for this work, so a restarted gateway can resume it."""
        await self._runner.save(self.record.but(upstream_ref=upstream_ref))


Work = Callable[[JobContext], Awaitable[JobOutcome]]
Resume = Callable[[JobRecord], Work | None]
"""Given an interrupted job (its ``params`` and ``upstream_ref``), the work that continues it, or ``None``."""


class JobRunner:
    def __init__(self, jobs: JobStore, accounts: AccountStore, events: RunEvents, clock: Callable[[], float],
                 *, timeout: float) -> None:
        self.jobs, self.accounts, self.events = jobs, accounts, events
        self._clock, self._timeout = clock, timeout
        self.new_id: Callable[[], str] = new_job_id
        self._live: dict[str, JobRecord] = {}
        self._done: dict[str, asyncio.Event] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._holds: dict[str, str] = {}
        """By job id: the request hold (its request id) the job settles or releases (D-186)."""

    def now(self) -> int:
        return int(self._clock())

    def record(self, job_id: str) -> JobRecord:
        return self._live[job_id]

    async def save(self, record: JobRecord) -> None:
        self._live[record.id] = record
        await self.jobs.put(record)

    async def transition(self, record: JobRecord) -> None:
        """Store ``record`` and publish it as the job's new state."""
        await self.save(record)
        self.events.publish(record)

    async def submit(self, account_id: str, job_type: str, model: str, work: Work, *,
               params: Mapping[str, Any] | None = None, hold: str | None = None) -> JobRecord:
        """Store a new ``queued`` job and start ``work`` for it; ``hold``: the request's credit hold (from
        :func:`gateway.middleware.credits.take_hold`), settled at the job's cost or released when it fails."""
        record = JobRecord(id=self.new_id(), account_id=account_id, type=job_type, model=model, status="queued",
                           created_at=self.now(), params=dict(params or {}))
        if hold is not None:
            self._holds[record.id] = hold
        await self.transition(record)
        self._start(record, work)
        return record

    def _start(self, record: JobRecord, work: Work) -> None:
        self._live[record.id] = record
        self._done[record.id] = asyncio.Event()
        task = asyncio.create_task(self._run(record.id, work))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def wait(self, job_id: str, timeout: float) -> JobRecord | None:
        """The job once finished, or ``None`` if it is still unfinished after ``timeout`` seconds."""
        done = self._done.get(job_id)
        if done is not None:
            try:
                await asyncio.wait_for(done.wait(), timeout)
            except TimeoutError:
                return None
        record = self._live.get(job_id)
        return record if record is not None and record.finished else None

    async def _run(self, job_id: str, work: Work) -> None:
        context = JobContext(self, job_id)
        try:
            outcome = await asyncio.wait_for(work(context), self._timeout)
        except asyncio.CancelledError:
            raise
        except TimeoutError:
            await self._fail(job_id, UpstreamError(f"The job did not finish within {self._timeout:g} seconds."))
        except Exception as exc:  # every failure of the work fails the job; none escapes the task
            if not isinstance(exc, GatewayError):
                log.exception("job %s failed", job_id)
            await self._fail(job_id, exc)
        else:
            await self._complete(job_id, outcome)
        finally:
            self._finish(job_id)

    def _finish(self, job_id: str) -> None:
        if (done := self._done.pop(job_id, None)) is not None:
            done.set()
        record = self._live.get(job_id)
        if record is not None and record.finished:
            self._live.pop(job_id, None)
            self._done.pop(job_id, None)
            self._keep_for_waiters(record)

    def _keep_for_waiters(self, record: JobRecord) -> None:
        self._live[record.id] = record
        asyncio.get_running_loop().call_later(60, self._live.pop, record.id, None)

    def _terminal(self, record: JobRecord, **changes: Any) -> JobRecord:
        now = self.now()
        return record.but(completed_at=now, expires_at=now + JOB_RETENTION_SECONDS,
                          started_at=record.started_at or now, **changes)

    async def _complete(self, job_id: str, outcome: JobOutcome) -> None:
        record = self.record(job_id)
        nano = usd_to_nano(outcome.cost)
        held = self._holds.pop(job_id, None)
        key = held or job_id
        if nano > 0:
            await self.accounts.hold(key, record.account_id, nano)  # a held reservation becomes the charge
        elif held is not None:
            await self.accounts.release(held)
        await self.transition(self._terminal(record, status="completed", progress=100.0, result=outcome.result))
        if nano > 0:
            await self.accounts.settle(key)

    async def _fail(self, job_id: str, error: BaseException) -> None:
        held = self._holds.pop(job_id, None)
        if held is not None:
            await self.accounts.release(held)  # a failed job is not charged (D-186)
        await self.transition(self._terminal(self.record(job_id), status="failed", error=error_body(error)))

    async def recover(self, resumers: Mapping[str, Resume]) -> None:
        """Resume or fail every job a previous process left unfinished (call once, on the event loop)."""
        for record in await self.jobs.unfinished():
            resume = resumers.get(record.type)
            work = resume(record) if resume is not None and record.upstream_ref else None
            if work is not None:
                log.info("resuming job %s", record.id)
                self._start(record, work)
                continue
            self._live[record.id] = record
            await self._fail(record.id, InternalError("The job was interrupted by a gateway restart; submit it again."))
            self._live.pop(record.id, None)

    async def close(self) -> None:
        """Stop the running work (it stays unfinished in the store, for :meth:`recover`)."""
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
