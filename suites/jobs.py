"""Asynchronous jobs for any suite that submits one: the 202 checked, ``GET /v1/jobs/{job_id}`` polled until
the job ends, and the deployment restarted under a running job.

Options (also ini keys ``empirio_<name>`` and environment variables ``EMPIRIO_<NAME>``):

``--poll-interval S``
    seconds between polls; default the contract's shortest (``job_poll_interval_seconds``; the docs ask for
    2-10 s), 0.1 when the upstreams are this project's mocks (the self-launched reference,
    ``--mock-upstreams``), whose jobs take fractions of a second.
``--job-timeout S``
    seconds a job may take before the suites fail it; default 900 (video jobs take 1-15 minutes), and a few
    seconds above the self-launched reference's own job deadline when the upstreams are the mocks.

The :func:`job_poller` fixture is a :class:`JobPoller`. :func:`restart` restarts the deployment's gateway (its
store kept) through the hook ``pytest_empirio_restart`` (:mod:`suites.hookspecs`): the self-launched reference
is restarted by the suites themselves; a deployment given by ``--base-url`` only by a plugin implementing the
hook (a ``conftest.py`` of the operator's), else the restart checks skip saying so.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from suites.checks import cut, expect, fail
from suites.client import ApiClient
from suites.contract import Contract
from suites.launcher import JOB_TIMEOUT_SECONDS
from suites.plugin import Target, seconds_option, session_target
from suites.rules import register

__all__ = ["ACCEPTED", "FINISHES", "TERMINAL", "JobPoller", "job_poller", "restart"]

ACCEPTED = "job_accepted"
FINISHES = "job_finishes"
TERMINAL = frozenset({"completed", "failed"})
REMOTE_POLL_INTERVAL, MOCK_POLL_INTERVAL = 2.0, 0.1
REMOTE_JOB_TIMEOUT = 900.0
MOCK_MARGIN = 4.0
RESTART_SKIP = ("needs a deployment the suites can restart: the self-launched reference, or a plugin implementing "
                "pytest_empirio_restart for the one given by --base-url")

register(ACCEPTED, "docs:api-reference-overview#endpoints",
         "an asynchronous operation answers 202 with the queued job: job_id and a polling URL (also Location)")
register(FINISHES, "docs:api-reference-overview#long-running-requests",
         "a job polled at GET /v1/jobs/{job_id} ends completed or failed, never left queued or running")

_OPTIONS = {
    "poll_interval": "seconds between polls of GET /v1/jobs/{job_id} (default 2, as the docs ask; 0.1 when the "
                     "upstreams are this project's mocks)",
    "job_timeout": "seconds a job may take before the suites fail it (default 900; just above the self-launched "
                   "reference's job deadline when the upstreams are the mocks)",
}


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("empirio", "EmpirioLabs conformance")
    for name, help_text in _OPTIONS.items():
        group.addoption("--" + name.replace("_", "-"), dest=f"empirio_{name}", default=None, help=help_text)
        parser.addini(f"empirio_{name}", help_text, default=None)


def pytest_addhooks(pluginmanager: pytest.PytestPluginManager) -> None:
    from suites import hookspecs

    pluginmanager.add_hookspecs(hookspecs)


@pytest.hookimpl(trylast=True)
def pytest_empirio_restart(config: pytest.Config) -> bool | None:
    """The self-launched reference restarts its gateway process on the same port and store."""
    local = session_target(config).local
    if local is None:
        return None
    local.restart_gateway()
    return True


@dataclass
class JobPoller:
    """Submissions checked, jobs polled until they end; ``seen`` keeps each job's statuses in order."""

    api: ApiClient
    interval: float
    timeout: float
    seen: dict[str, list[str]] = field(default_factory=dict)

    def submitted(self, response: httpx.Response, rule: str = ACCEPTED) -> str:
        """The job id of a 202 ``JobAccepted`` answer (its polling URL and ``Location`` checked)."""
        expect(rule, response.status_code == 202, "202 with the queued job",
               f"{response.status_code}: {cut(response.text, 300)}")
        body: dict[str, Any] = response.json()
        job_id = body.get("job_id")
        expect(rule, isinstance(job_id, str) and job_id == body.get("id"), "job_id equal to id", job_id)
        url = str(body.get("polling_url") or "")
        expect(rule, url.startswith(("http://", "https://")) and url.endswith(f"/v1/jobs/{job_id}"),
               f"an absolute polling_url of /v1/jobs/{job_id}", url)
        expect(rule, response.headers.get("location") == url, "Location equal to polling_url",
               response.headers.get("location"))
        self.seen[str(job_id)] = [str(body.get("status"))]
        return str(job_id)

    def poll(self, job_id: str, key: str | None = None) -> dict[str, Any]:
        """The job as ``GET /v1/jobs/{job_id}`` answers it now."""
        response = self.api.get(f"/v1/jobs/{job_id}", key=key)
        expect(FINISHES, response.status_code == 200, "200 with the job", f"{response.status_code}: "
               f"{cut(response.text, 300)}")
        body: dict[str, Any] = response.json()
        statuses = self.seen.setdefault(job_id, [])
        if not statuses or statuses[-1] != body.get("status"):
            statuses.append(str(body.get("status")))
        return body

    def until(self, job_id: str, done: Callable[[dict[str, Any]], bool], what: str,
              timeout: float | None = None) -> dict[str, Any]:
        """The job once ``done(job)`` holds (or it ended); fails rule :data:`FINISHES` after ``timeout``."""
        limit = self.timeout if timeout is None else timeout
        deadline = time.monotonic() + limit
        while True:
            job = self.poll(job_id)
            if done(job) or job.get("status") in TERMINAL:
                return job
            if time.monotonic() >= deadline:
                fail(FINISHES, f"job {job_id} still {job.get('status')!r} after {limit:g} s, not {what} "
                               f"(--job-timeout; statuses seen {self.seen.get(job_id)})")
                return job
            time.sleep(self.interval)

    def until_done(self, job_id: str, timeout: float | None = None) -> dict[str, Any]:
        """The job's last state, once ``completed`` or ``failed``."""
        return self.until(job_id, lambda job: False, "completed or failed", timeout)


def _documented_interval(contract: Contract) -> float:
    """The shortest polling interval the contract states (``x-empiriolabs-limits.job_poll_interval_seconds``)."""
    bounds = contract.spec.get("x-empiriolabs-limits", {}).get("job_poll_interval_seconds")
    if isinstance(bounds, list) and bounds and isinstance(bounds[0], (int, float)):
        return float(bounds[0])
    return REMOTE_POLL_INTERVAL


@pytest.fixture
def job_poller(api: ApiClient, contract: Contract, pytestconfig: pytest.Config, target: Target) -> JobPoller:
    """A :class:`JobPoller` on the session's client, with ``--poll-interval`` and ``--job-timeout``."""
    interval = seconds_option(pytestconfig, "poll_interval")
    timeout = seconds_option(pytestconfig, "job_timeout")
    mocked = target.mock_upstreams
    if interval is None:
        interval = MOCK_POLL_INTERVAL if mocked else _documented_interval(contract)
    if timeout is None:
        timeout = JOB_TIMEOUT_SECONDS + MOCK_MARGIN if mocked else REMOTE_JOB_TIMEOUT
    return JobPoller(api, interval, timeout)


@pytest.fixture
def restart(pytestconfig: pytest.Config, target: Target) -> Callable[[], None]:
    """Restarts the deployment's gateway (``pytest_empirio_restart``); skips when nothing can."""
    hook = pytestconfig.hook.pytest_empirio_restart
    if target.local is None and len(hook.get_hookimpls()) < 2:
        pytest.skip(RESTART_SKIP)

    def run() -> None:
        if not hook(config=pytestconfig):
            pytest.skip(RESTART_SKIP)

    return run
