"""Jobs (D-9, D-13, D-89) through ``POST /v1/images/generations`` with ``async: true``: the 202, polling
``GET /v1/jobs/{job_id}`` to its end (the shared poller of :mod:`suites.jobs`: ``--poll-interval``, ``--job-timeout``), a failed
job's error, isolation (an unknown id and another account's job are both 404), unguessable ids (D-112),
polling outside the generation budget (D-3, with ``--rate-limited-key``) and the hour of retention (with
``--clock-url``: the deployment's clock is moved past it, D-131)."""

from __future__ import annotations

from typing import Any

import pytest

from suites.checks import CheckFailure, errors, expect, fail, holds, jobs
from suites.client import ApiClient
from suites.clock import TestClock
from suites.contract import Contract
from suites.discovery import Discovery
from suites.jobs import JobPoller
from suites.plugin import Target

ENDPOINT = "/v1/images/generations"
ORDER = ("queued", "running", "completed")


def _model(discovery: Discovery) -> dict[str, Any]:
    models = discovery.serving(ENDPOINT)
    if not models:
        pytest.skip(discovery.lacks_field("available model serving /v1/images/generations", "endpoints"))
    return models[0]


def _submit(api: ApiClient, discovery: Discovery, prompt: str = "a harbour at night") -> dict[str, Any]:
    response = api.post(ENDPOINT, json={"model": _model(discovery)["id"], "prompt": prompt, "async": True})
    expect(jobs.ASYNC_ACCEPTED, response.status_code == 202, "202", f"{response.status_code}: {response.text[:300]}")
    body: dict[str, Any] = response.json()
    url = str(body.get("polling_url") or "")
    holds(jobs.ASYNC_ACCEPTED, url.startswith(("http://", "https://")) and url.endswith(f"/v1/jobs/{body.get('job_id')}"),
          f"an absolute polling_url of the job, got {url!r}")
    holds(jobs.ASYNC_ACCEPTED, response.headers.get("location") == url, "Location equal to polling_url")
    return body


@pytest.mark.rule(jobs.ASYNC_ACCEPTED, jobs.LIFECYCLE)
def test_async_image_is_polled_to_completion(api: ApiClient, discovery: Discovery, target: Target,
                                             job_poller: JobPoller) -> None:
    accepted = _submit(api, discovery, "a harbour at night [[mock:fault=latency:300ms]]"
                       if target.mock_upstreams else "a harbour at night")
    job_poller.seen[accepted["job_id"]] = [accepted["status"]]
    job = job_poller.until_done(accepted["job_id"])
    seen = job_poller.seen[accepted["job_id"]]
    holds(jobs.LIFECYCLE, seen[-1] == "completed", f"the job completed, statuses seen {seen}")
    holds(jobs.LIFECYCLE, seen == [s for s in ORDER if s in seen], f"statuses in order, seen {seen}")
    holds(jobs.LIFECYCLE, bool((job.get("result") or {}).get("data")) and job.get("error") is None,
          "a completed job has its result and no error")


@pytest.mark.rule(jobs.NOT_FOUND, "openai_error_envelope")
def test_unknown_and_foreign_jobs_are_404(api: ApiClient, contract: Contract, discovery: Discovery,
                                          other_account_key: str) -> None:
    errors.openai_error(api.get("/v1/jobs/job_NoSuchJobAtAll0123456789"), contract, status=404,
                        code="job_not_found")
    accepted = _submit(api, discovery)
    errors.openai_error(api.get(f"/v1/jobs/{accepted['job_id']}", key=other_account_key), contract, status=404,
                        code="job_not_found")


def _retention(contract: Contract) -> int:
    seconds = contract.spec.get("x-empiriolabs-limits", {}).get("job_retention_seconds")
    if not isinstance(seconds, int):
        pytest.skip("the contract states no job_retention_seconds")
    return seconds


@pytest.mark.rule(jobs.KEPT, jobs.GONE, jobs.NOT_FOUND)
def test_a_job_is_kept_for_the_hour_then_404(api: ApiClient, contract: Contract, discovery: Discovery,
                                             job_poller: JobPoller, clock: TestClock) -> None:
    retention = _retention(contract)
    job = job_poller.until_done(_submit(api, discovery)["job_id"])
    holds(jobs.KEPT, job["status"] == "completed", f"the job completed: {job.get('status')} {job.get('error')}")
    completed = int(job["completed_at"])
    expect(jobs.KEPT, job.get("expires_at") == completed + retention, f"expires_at = completed_at + {retention}",
           job.get("expires_at"))
    clock.advance_to(completed + retention - 60)
    kept = api.get(f"/v1/jobs/{job['id']}")
    expect(jobs.KEPT, kept.status_code == 200, "the job a minute before its retention ends",
           f"{kept.status_code}: {kept.text[:200]}")
    clock.advance_to(completed + retention + 1)
    for when in ("past its retention", "past its retention, after a sweep"):
        gone = api.get(f"/v1/jobs/{job['id']}")
        expect(jobs.GONE, gone.status_code != 200, f"no job {when}", f"{gone.status_code}: {gone.text[:200]}")
        try:
            errors.openai_error(gone, contract, status=404, code="job_not_found")
        except CheckFailure as failure:
            fail(jobs.NOT_FOUND, f"the job {when}: {failure}")
        clock.sweep()


@pytest.mark.rule(jobs.IDS)
def test_job_ids_are_unguessable(api: ApiClient, discovery: Discovery) -> None:
    first, second = _submit(api, discovery)["job_id"], _submit(api, discovery)["job_id"]
    jobs.unguessable_ids(str(first), str(second))


@pytest.mark.rule(jobs.POLL_FREE, jobs.NOT_FOUND)
def test_polling_is_outside_the_generation_budget(api: ApiClient, contract: Contract, discovery: Discovery,
                                                  rate_limited_key: str) -> None:
    """On an account allowed 1 generation a minute: the job it submits (or, the minute spent, an unknown id)
    is polled several times without a 429."""
    body = {"model": _model(discovery)["id"], "prompt": "a lighthouse", "async": True}
    submitted = api.post(ENDPOINT, json=body, key=rate_limited_key, retry_429=False)
    expect(jobs.POLL_FREE, submitted.status_code in (202, 429), "202, or 429 with the minute already spent",
           f"{submitted.status_code}: {submitted.text[:200]}")
    job_id = submitted.json()["job_id"] if submitted.status_code == 202 else "job_NoSuchJobAtAll0123456789"
    for attempt in range(3):
        polled = api.get(f"/v1/jobs/{job_id}", key=rate_limited_key, retry_429=False)
        expect(jobs.POLL_FREE, polled.status_code != 429, f"poll {attempt + 1} of {job_id} not rate-limited",
               f"{polled.status_code}: {polled.text[:200]}")
        if submitted.status_code == 202:
            expect(jobs.POLL_FREE, polled.status_code == 200, f"200 for poll {attempt + 1}", polled.status_code)
        else:
            errors.openai_error(polled, contract, status=404, code="job_not_found")


@pytest.mark.rule(jobs.FAILED, "openai_error_envelope")
def test_a_failed_job_carries_its_error(api: ApiClient, discovery: Discovery, job_poller: JobPoller,
                                        mock_upstreams: bool) -> None:
    accepted = _submit(api, discovery, "a harbour at night [[mock:fault=status:500]]")
    job = job_poller.until_done(accepted["job_id"])
    error = jobs.failed_job(job, f"job {accepted['job_id']} of an upstream answering 500")
    expect(jobs.FAILED, error.get("code") == "upstream_error", "code upstream_error (D-89)", error.get("code"))
