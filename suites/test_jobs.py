"""Jobs (D-9, D-13) through ``POST /v1/images/generations`` with ``async: true``: the 202, polling
``GET /v1/jobs/{job_id}`` to its end (every 2 s against a remote deployment, fast against the mocks), and
isolation (an unknown id and another account's job are both 404)."""

from __future__ import annotations

import time
from typing import Any

import pytest

from suites.checks import errors, expect, holds, jobs
from suites.client import ApiClient
from suites.contract import Contract
from suites.discovery import Discovery
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
def test_async_image_is_polled_to_completion(api: ApiClient, discovery: Discovery, target: Target) -> None:
    accepted = _submit(api, discovery, "a harbour at night [[mock:fault=latency:300ms]]"
                       if target.mock_upstreams else "a harbour at night")
    interval, deadline = (0.05 if target.mock_upstreams else 2.0), time.monotonic() + 120
    seen = [accepted["status"]]
    while seen[-1] not in ("completed", "failed") and time.monotonic() < deadline:
        time.sleep(interval)
        polled = api.get(f"/v1/jobs/{accepted['job_id']}")
        expect(jobs.LIFECYCLE, polled.status_code == 200, "200 while polling", polled.status_code)
        job = polled.json()
        if job["status"] != seen[-1]:
            seen.append(job["status"])
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
