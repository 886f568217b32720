"""``POST /v1/videos/generations`` (D-113, D-114, D-116) on the video models the deployment lists: a job polled
``queued → running → completed`` whose video is an MP4 of the asked length served as ``video/mp4`` at its URL;
the price row the options select (Kling-O3's Standard/Pro, + Sound and Video Input — an uploaded MP4 —,
resolutions) charged per second by the suite's own arithmetic from ``/v1/models``; ``disable_formatting``; the
documented refusals; upstream jobs that fail, hang or answer garbage (mock directives, ``--mock-upstreams``); a
job that survives a gateway restart.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import httpx
import pytest

from suites import ledger
from suites.checks import errors, expect, holds, upstream_jobs, videos
from suites.client import ApiClient
from suites.contract import Contract
from suites.discovery import Discovery, param
from suites.jobs import ACCEPTED, FINISHES, JobPoller
from suites.parameters import refused_values
from suites.plugin import Target
from suites.selection import Failures
from suites.upstreams import not_forwarded

ENDPOINT = "/v1/videos/generations"
PROMPT = "sunrise over the ocean"
MEDIA_INPUTS = ("image", "video")
UNITS = ("video-second", "request")
SCRUBBED = ("id", "request_id", "requestId", "url", "download_url")


def _models(discovery: Discovery) -> list[dict[str, Any]]:
    models = discovery.serving(ENDPOINT)
    if not models:
        pytest.skip(discovery.lacks_field("available model serving /v1/videos/generations", "endpoints"))
    return models


def _duration(model: dict[str, Any]) -> int:
    """The shortest duration the model lists (its minimum, else its default, else 5 s)."""
    entry = param(model, "duration") or {}
    enum = entry.get("enum")
    if isinstance(enum, list) and enum:
        return int(min(enum))
    return int(entry.get("minimum") or entry.get("default") or 5)


def _body(model: dict[str, Any], prompt: str = PROMPT, **extra: Any) -> dict[str, Any]:
    return {"model": model["id"], "prompt": prompt, "duration": _duration(model), **extra}


def _ledger(target: Target) -> ledger.Ledger | None:
    return ledger.Ledger(target.balance_url, target.api_key) if target.balance_url else None


def _completed(job_poller: JobPoller, job_id: str, rule: str) -> dict[str, Any]:
    job = job_poller.until_done(job_id)
    expect(rule, job.get("status") == "completed", f"job {job_id} completed", job.get("error") or job.get("status"))
    result: dict[str, Any] = job.get("result") or {}
    return result


@pytest.mark.rule(videos.LIFECYCLE, videos.SERVED, ACCEPTED, FINISHES)
def test_video_job_is_polled_to_its_mp4(api: ApiClient, discovery: Discovery, job_poller: JobPoller,
                                        target: Target) -> None:
    model = _models(discovery)[0]
    prompt = f"{PROMPT} [[mock:job=time:1s]]" if target.mock_upstreams else PROMPT
    job_id = job_poller.submitted(api.post(ENDPOINT, json=_body(model, prompt)))
    result = _completed(job_poller, job_id, videos.LIFECYCLE)
    seen = job_poller.seen[job_id]
    order = [s for s in ("queued", "running", "completed") if s in seen]
    holds(videos.LIFECYCLE, seen == order, f"statuses in order queued → running → completed, seen {seen}")
    if target.mock_upstreams:  # a job of a second: polled every 0.1 s, it is seen running
        holds(videos.LIFECYCLE, "running" in seen, f"the job seen running, statuses seen {seen}")
    data = result.get("data") or [{}]
    video = data[0]
    expect(videos.SERVED, video.get("mime_type") == "video/mp4", "mime_type video/mp4", video.get("mime_type"))
    served = httpx.get(str(video.get("url")), timeout=60)
    expect(videos.SERVED, served.status_code == 200, "the url answers 200", served.status_code)
    declared = served.headers.get("content-type", "")
    expect(videos.SERVED, declared.split(";")[0].strip() == "video/mp4", "content-type video/mp4", declared)
    seconds = videos.mp4_seconds(served.content)
    holds(videos.SERVED, abs(seconds - _duration(model)) <= 0.5,
          f"an MP4 of {_duration(model)} s (±0.5), its mvhd says {seconds:g} s")


def _priced_rows(model: dict[str, Any]) -> list[dict[str, Any]]:
    """The rows with conditions (options, and whether a video input is given); rows asking for an image input
    are left out."""
    return [r for r in model.get("pricing_rows") or ()
            if r.get("kind", "rate") == "rate" and r.get("unit") in UNITS and r.get("conditions")
            and not r["conditions"].get("image")]


def _options(row: dict[str, Any], video: str | None = None) -> dict[str, Any]:
    """The request's options the row's conditions name; ``video`` (a ``bunny://`` path) when it asks for one."""
    options = {k: v for k, v in row["conditions"].items() if k not in MEDIA_INPUTS}
    return {**options, "video": video} if row["conditions"].get("video") and video else options


def _uploaded_clip(api: ApiClient) -> str:
    """The ``bunny://`` path of a short MP4 uploaded for the "Video Input" rows."""
    response = api.post("/v1/files/upload", files={"file": ("input.mp4", videos.clip(2.0), "video/mp4")})
    expect(videos.PRICE_ROW, response.status_code == 200, "the input video uploaded (200)",
           f"{response.status_code}: {response.text[:200]}")
    return str(response.json().get("path"))


def _due(row: dict[str, Any], seconds: int) -> Decimal:
    rate = Decimal(str(row["rate_usd"]))
    return rate if row["unit"] == "request" else rate / Decimal(str(row.get("per") or 1)) * seconds


@pytest.mark.rule(videos.PRICE_ROW)
def test_cost_is_the_selected_price_row(api: ApiClient, discovery: Discovery, job_poller: JobPoller,
                                        target: Target) -> None:
    cases = [(model, row) for model in _models(discovery) for row in _priced_rows(model)]
    if not cases:
        pytest.skip(discovery.lacks_field("video model with price rows selected by conditions", "pricing_rows"))
    video = _uploaded_clip(api) if any(row["conditions"].get("video") for _, row in cases) else None
    book = _ledger(target)
    before = book.balance() if book is not None else None
    submitted = [(model, row, job_poller.submitted(api.post(ENDPOINT, json=_body(model, **_options(row, video))),
                                             videos.PRICE_ROW)) for model, row in cases]
    failures, total = Failures(), Decimal(0)
    for model, row, job_id in submitted:
        due = _due(row, _duration(model))
        total += due
        with failures.check(f"{model['id']} row {row.get('charge')!r} ({row['conditions']})"):
            usage = _completed(job_poller, job_id, videos.PRICE_ROW).get("usage") or {}
            cost = usage.get("cost")
            expect(videos.PRICE_ROW, cost is not None and Decimal(str(cost)) == due,
                   f"usage.cost {due}", cost)
            expect(videos.PRICE_ROW, usage.get("unit") == row["unit"], f"usage.unit {row['unit']}", usage.get("unit"))
    failures.raise_any()
    if book is not None and before is not None:
        billed = book.billed_since(before)
        expect(videos.PRICE_ROW, billed == total, f"debits of {total} USD in all",
               f"{billed} USD")


@pytest.mark.rule(videos.RAW)
@pytest.mark.parametrize("flag", [None, "disable_formatting", "raw"])
def test_disable_formatting_adds_raw(api: ApiClient, discovery: Discovery, job_poller: JobPoller,
                                     flag: str | None) -> None:
    model = _models(discovery)[0]
    body = {**_body(model), **({flag: True} if flag else {})}
    job_id = job_poller.submitted(api.post(ENDPOINT, json=body), videos.RAW)
    result = _completed(job_poller, job_id, videos.RAW)
    raw = result.get("raw")
    if flag is None:
        holds(videos.RAW, raw is None, f"no raw without the flag, got {raw!r:.200}")
        return
    expect(videos.RAW, isinstance(raw, dict) and bool(raw), f"raw, the upstream payload, with {flag}: true", raw)
    shown = [k for k in SCRUBBED if k in (raw or {})]
    holds(videos.RAW, not shown, f"raw without the upstream's ids and URLs, got {shown}")
    holds(videos.RAW, bool(result.get("data")) and result.get("usage") is not None,
          "the result keeps its data and usage")


@pytest.mark.rule("unknown_model_404", "openai_error_envelope", "rejected_by_gateway")
def test_unknown_model_is_404(api: ApiClient, contract: Contract) -> None:
    response = api.post(ENDPOINT, json={"model": "no-such-video-model-zz", "prompt": PROMPT})
    error = errors.openai_error(response, contract, status=404, code="model_not_found")
    holds("unknown_model_404", error.get("param") == "model", f"param should be model, got {error.get('param')!r}")
    not_forwarded(response, "a video request for an unknown model")


@pytest.mark.rule("model_wrong_endpoint", "openai_error_envelope", "rejected_by_gateway")
def test_model_not_serving_videos_is_400(api: ApiClient, contract: Contract, discovery: Discovery) -> None:
    others = [*discovery.serving("/v1/audio/transcriptions"), *discovery.chat_models()]
    other = next((m for m in others if ENDPOINT not in (m.get("endpoints") or ())), None)
    if other is None:
        pytest.skip(discovery.lacks_field("model that does not serve /v1/videos/generations", "endpoints"))
    response = api.post(ENDPOINT, json={"model": other["id"], "prompt": PROMPT})
    error = errors.openai_error(response, contract, status=400, code="model_not_supported_on_endpoint",
                                type="invalid_request_error")
    holds("model_wrong_endpoint", error.get("param") == "model", f"param should be model, got {error.get('param')!r}")
    not_forwarded(response, f"a video request for {other['id']}")


SCHEMA_CASES: tuple[tuple[str, Any], ...] = (("duration", 0), ("aspect_ratio", "wide"), ("fps", 0),
                                             ("generate_audio", "yes"))


@pytest.mark.rule(videos.PARAMETERS, "openai_error_envelope", "rejected_by_gateway")
def test_invalid_values_are_400_naming_them(api: ApiClient, contract: Contract, discovery: Discovery) -> None:
    model = next((m for m in _models(discovery) if refused_values(m, ("prompt",))), None)
    if model is None:
        pytest.skip(discovery.lacks_field("video model listing parameter ranges or enums", "supported_parameters"))
    failures = Failures()
    for name, value in (*SCHEMA_CASES, *refused_values(model, ("prompt", *MEDIA_INPUTS))):
        with failures.check(f"{model['id']} {name}={value!r}"):
            response = api.post(ENDPOINT, json={**_body(model), name: value})
            expect(videos.PARAMETERS, response.status_code == 400, "400", f"{response.status_code}: "
                   f"{response.text[:200]}")
            error = errors.openai_error(response, contract, status=400, type="invalid_request_error")
            expect(videos.PARAMETERS, error.get("param") == name, f"param {name}", error.get("param"))
            not_forwarded(response, f"a video request with {name}={value!r}")
    failures.raise_any()


@pytest.mark.rule("credits_402", "error_code", "openai_error_envelope", "rejected_by_gateway")
def test_insufficient_credits_is_402(api: ApiClient, contract: Contract, discovery: Discovery,
                                     zero_credit_key: str) -> None:
    response = api.post(ENDPOINT, json=_body(_models(discovery)[0]), key=zero_credit_key)
    errors.openai_error(response, contract, status=402, code="insufficient_credits", type="billing_error")
    not_forwarded(response, "a video request of an account without credits")


FAULTS = {"fail": "[[mock:job=fail]]", "hang": "[[mock:job=hang]]", "malformed": "[[mock:job=malformed]]",
          "refused": "[[mock:fault=status:500]]"}


@pytest.mark.rule(upstream_jobs.FAILED, upstream_jobs.UNCHARGED, FINISHES)
@pytest.mark.parametrize("fault", list(FAULTS))
def test_upstream_job_failure_fails_the_job(api: ApiClient, discovery: Discovery, job_poller: JobPoller,
                                            target: Target, mock_upstreams: bool, fault: str) -> None:
    """An upstream job that fails, hangs (until the job deadline: ``--job-timeout`` above it), answers something
    that is not an MP4, or is refused at submission: the job fails ``upstream_error``, uncharged."""
    model = _models(discovery)[0]
    book = _ledger(target)
    before = book.balance() if book is not None else None
    job_id = job_poller.submitted(api.post(ENDPOINT, json=_body(model, f"{PROMPT} {FAULTS[fault]}")))
    job = job_poller.until_done(job_id)
    upstream_jobs.failed_job(job, f"an upstream job that {fault}s" if fault != "refused" else "a refused submission")
    upstream_jobs.uncharged(before, book.balance() if book is not None else None, f"a job whose upstream {fault}")


@pytest.mark.rule(upstream_jobs.RESUMED, upstream_jobs.AFTER_RESTART)
def test_running_job_survives_a_restart(api: ApiClient, discovery: Discovery, job_poller: JobPoller,
                                        mock_upstreams: bool, restart: Callable[[], None]) -> None:
    model = _models(discovery)[0]
    job_id = job_poller.submitted(api.post(ENDPOINT, json=_body(model, f"{PROMPT} [[mock:job=time:3s]]")))
    running = job_poller.until(job_id, lambda job: job.get("status") == "running", "running")
    expect(upstream_jobs.AFTER_RESTART, running.get("status") == "running", "the job running before the restart",
           running.get("status"))
    restart()
    job = job_poller.until_done(job_id)
    expect(upstream_jobs.AFTER_RESTART, job.get("status") in ("completed", "failed"),
           "the job ended after the restart", job.get("status"))
    expect(upstream_jobs.RESUMED, job.get("status") == "completed" and bool((job.get("result") or {}).get("data")),
           "the job resumed and completed with its video", job.get("error") or job.get("status"))
