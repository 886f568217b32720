"""Upstream jobs: work a mock accepts at once and finishes later (video generation, transcription).

A submitted job is ``queued`` for the first third of its run time, then ``running`` with a progress
percentage, then ``completed`` or ``failed``; its state is a function of the time since it was submitted,
so polling changes nothing. The run time is :data:`DEFAULT_SECONDS` (``EMPIRIO_MOCK_JOB_SECONDS``), or the
``time`` of a job directive. Job directives ride in the request's prompt next to the usual fault
directives (:mod:`mocks.faults`, which apply to the submit call itself)::

    [[mock:job=time:2s]]     the job takes 2 s (``ms`` or ``s``)
    [[mock:job=fail]]        the job ends ``failed`` with an error (the leak bait in its message)
    [[mock:job=hang]]        the job never ends: ``running`` forever
    [[mock:job=malformed]]   the job ends ``completed`` with a result that is not what it should be

:func:`get_endpoint` is the skeleton of a poll or download route (``GET``, no body): logged, authenticated,
an unknown job 404 in the family's envelope.
"""

from __future__ import annotations

import os
import re
import secrets
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from mocks.provider import ApiError, Authenticate, Envelope, Family, render_error

__all__ = ["DEFAULT_SECONDS", "Job", "JobBook", "JobOptions", "get_endpoint", "job_options"]

DEFAULT_SECONDS = float(os.environ.get("EMPIRIO_MOCK_JOB_SECONDS", "0.3"))
_JOB_DIRECTIVE = re.compile(r"\[\[mock:job=([^\[\]]*)\]\]")
_DURATION = re.compile(r"^(\d+(?:\.\d+)?)(ms|s)?$")
_OUTCOMES = ("fail", "hang", "malformed")


@dataclass(frozen=True)
class JobOptions:
    """How one upstream job behaves."""

    seconds: float = DEFAULT_SECONDS
    outcome: str = "ok"


def job_options(text: str) -> tuple[str, JobOptions]:
    """``text`` without its job directives, and the options they give; an unknown one is a 400."""
    seconds, outcome = DEFAULT_SECONDS, "ok"
    for body in _JOB_DIRECTIVE.findall(text):
        kind, _, arg = body.strip().partition(":")
        if kind in _OUTCOMES and not arg:
            outcome = kind
        elif kind == "time" and (match := _DURATION.match(arg.strip())):
            number = float(match.group(1))
            seconds = number if match.group(2) == "s" else number / 1000
        else:
            raise ApiError(400, f"unknown job directive [[mock:job={body}]] (time:D, fail, hang, malformed)",
                           param="prompt")
    return _JOB_DIRECTIVE.sub("", text), JobOptions(seconds, outcome)


@dataclass
class Job:
    """One submitted job: what it was asked, how it behaves, and when it started."""

    id: str
    request: dict[str, Any]
    options: JobOptions
    started: float = field(default_factory=time.monotonic)
    submitted_at: float = field(default_factory=time.time)

    @property
    def elapsed(self) -> float:
        return time.monotonic() - self.started

    @property
    def status(self) -> str:
        """``queued`` → ``running`` → ``completed`` | ``failed`` (``running`` for ever when it hangs)."""
        if self.elapsed < self.options.seconds / 3:
            return "queued"
        if self.options.outcome == "hang" or self.elapsed < self.options.seconds:
            return "running"
        return "failed" if self.options.outcome == "fail" else "completed"

    @property
    def progress(self) -> int:
        if self.status in ("completed", "failed"):
            return 100
        return min(99, int(100 * self.elapsed / max(self.options.seconds, 1e-6)))


@dataclass
class JobBook:
    """The jobs one family holds, by id (prefix ``prefix``)."""

    prefix: str
    jobs: dict[str, Job] = field(default_factory=dict)

    def submit(self, request: dict[str, Any], options: JobOptions) -> Job:
        job = Job(f"{self.prefix}_{secrets.token_hex(12)}", request, options)
        self.jobs[job.id] = job
        return job

    def get(self, job_id: str) -> Job:
        job = self.jobs.get(job_id)
        if job is None:
            raise ApiError(404, f"No job with id '{job_id[:64]}'.", code="not_found")
        return job


def get_endpoint(family: Family, envelope: Envelope, authenticate: Authenticate,
                 handler: Callable[[Request, dict[str, str]], Awaitable[Response]], book: JobBook | None = None
                 ) -> Callable[[Request], Awaitable[Any]]:
    """A ``GET`` endpoint: logged, authenticated, :class:`ApiError` rendered in ``envelope``; ``handler``
    gets the request and the headers every answer carries. With ``book``, a request naming one of its jobs in
    the path is logged with the job's ``job_submitted_at`` (wall-clock seconds): the poll of a job submitted
    earlier, never a forwarding of what the gateway was answering meanwhile."""

    async def run(request: Request) -> Any:
        request_id = family.new_request_id()
        entry = family.state.record(request, b"", request_id)
        if book is not None:
            named = [book.jobs[v] for v in request.path_params.values() if isinstance(v, str) and v in book.jobs]
            if named:
                entry["job_submitted_at"] = named[0].submitted_at
        try:
            if (denied := authenticate(request)) is not None:
                raise denied
            return await handler(request, family.headers(request_id))
        except ApiError as error:
            return render_error(family, envelope, error, request_id)

    return run

