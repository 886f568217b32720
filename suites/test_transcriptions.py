"""``POST /v1/audio/transcriptions`` (D-115, D-116) on the transcription models the deployment lists: the
documented multipart request is a job polled ``queued → running → completed`` to the transcript of the file
sent (its ``duration_seconds`` the file's length); the per-minute price charged for that duration by the
suite's own arithmetic from ``/v1/models``; ``disable_formatting``; the documented refusals; upstream jobs that
fail, hang or answer garbage (mock directives, ``--mock-upstreams``); a job that survives a gateway restart.
The audio is a WAV tone the suite writes itself.
"""

from __future__ import annotations

import base64
import secrets
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest

from suites import ledger
from suites.checks import CheckFailure, errors, expect, holds, transcriptions, upstream_jobs
from suites.checks import files as file_checks
from suites.client import ApiClient
from suites.contract import Contract
from suites.discovery import Discovery
from suites.jobs import ACCEPTED, FINISHES, JobPoller
from suites.parameters import refused_values
from suites.plugin import Target
from suites.pricing import nano
from suites.selection import Failures
from suites.upstreams import not_forwarded

ENDPOINT = "/v1/audio/transcriptions"
SECONDS = 2.5
LARGEST_CAP_SENT = 64 * 1024 * 1024
SCRUBBED = ("id", "request_id", "requestId", "url", "download_url")


def _models(discovery: Discovery) -> list[dict[str, Any]]:
    models = discovery.serving(ENDPOINT)
    if not models:
        pytest.skip(discovery.lacks_field("available model serving /v1/audio/transcriptions", "endpoints"))
    return models


def _data_url(audio: bytes, media_type: str = "audio/wav") -> str:
    return f"data:{media_type};base64,{base64.b64encode(audio).decode('ascii')}"


def _json(model: dict[str, Any], seconds: float = SECONDS, prompt: str | None = None, **extra: Any) -> dict[str, Any]:
    body = {"model": model["id"], "file": _data_url(transcriptions.tone(seconds)), **extra}
    return {**body, "prompt": prompt} if prompt is not None else body


def _ledger(target: Target) -> ledger.Ledger | None:
    return ledger.Ledger(target.balance_url, target.api_key) if target.balance_url else None


def _completed(job_poller: JobPoller, job_id: str, rule: str) -> dict[str, Any]:
    job = job_poller.until_done(job_id)
    expect(rule, job.get("status") == "completed", f"job {job_id} completed", job.get("error") or job.get("status"))
    result: dict[str, Any] = job.get("result") or {}
    return result


@pytest.mark.rule(transcriptions.LIFECYCLE, ACCEPTED, FINISHES)
def test_multipart_file_is_transcribed_by_a_job(api: ApiClient, discovery: Discovery, job_poller: JobPoller,
                                                target: Target) -> None:
    """The documented request: ``-F model=… -F file=@meeting.mp3`` (here a WAV)."""
    model = _models(discovery)[0]
    fields = {"model": model["id"], **({"prompt": "[[mock:job=time:1s]]"} if target.mock_upstreams else {})}
    response = api.post(ENDPOINT, data=fields, files={"file": ("meeting.wav", transcriptions.tone(SECONDS),
                                                                "audio/wav")})
    job_id = job_poller.submitted(response)
    result = _completed(job_poller, job_id, transcriptions.LIFECYCLE)
    seen = job_poller.seen[job_id]
    holds(transcriptions.LIFECYCLE, seen == [s for s in ("queued", "running", "completed") if s in seen],
          f"statuses in order queued → running → completed, seen {seen}")
    if target.mock_upstreams:
        holds(transcriptions.LIFECYCLE, "running" in seen, f"the job seen running, statuses seen {seen}")
    holds(transcriptions.LIFECYCLE, isinstance(result.get("text"), str), f"a text, got {result.get('text')!r:.100}")
    duration = result.get("duration_seconds")
    expect(transcriptions.LIFECYCLE, isinstance(duration, (int, float)) and abs(duration - SECONDS) <= 0.5,
           f"duration_seconds {SECONDS} (±0.5), the file's length", duration)


@pytest.mark.rule(transcriptions.UPLOADED)
def test_an_uploaded_file_is_transcribed(api: ApiClient, discovery: Discovery, job_poller: JobPoller) -> None:
    """``file`` as the ``bunny://`` path ``POST /v1/files/upload`` answered."""
    model = _models(discovery)[0]
    upload = api.post("/v1/files/upload", files={"file": ("meeting.wav", transcriptions.tone(4.0), "audio/wav")})
    expect(transcriptions.UPLOADED, upload.status_code == 200, "the WAV uploaded (200)",
           f"{upload.status_code}: {upload.text[:200]}")
    path = str(upload.json().get("path"))
    job_id = job_poller.submitted(api.post(ENDPOINT, json={"model": model["id"], "file": path}),
                                  transcriptions.UPLOADED)
    duration = _completed(job_poller, job_id, transcriptions.UPLOADED).get("duration_seconds")
    expect(transcriptions.UPLOADED, isinstance(duration, (int, float)) and abs(duration - 4.0) <= 0.5,
           "the transcript of the uploaded file: duration_seconds 4 (±0.5)", duration)


def _per_second(model: dict[str, Any]) -> dict[str, Any] | None:
    return next((r for r in model.get("pricing_rows") or ()
                 if r.get("kind", "rate") == "rate" and r.get("unit") == "audio-second"), None)


@pytest.mark.rule(transcriptions.PRICE)
def test_cost_is_the_per_minute_rate(api: ApiClient, discovery: Discovery, job_poller: JobPoller, target: Target) -> None:
    priced = [(m, row) for m in _models(discovery) if (row := _per_second(m)) is not None]
    if not priced:
        pytest.skip(discovery.lacks_field("transcription model priced per audio-second", "pricing_rows"))
    book = _ledger(target)
    before = book.balance() if book is not None else None
    submitted = [(m, row, job_poller.submitted(api.post(ENDPOINT, json=_json(m, 6.0)), transcriptions.PRICE))
                 for m, row in priced]
    failures, total = Failures(), Decimal(0)
    for model, row, job_id in submitted:
        with failures.check(f"{model['id']} row {row.get('charge')!r}"):
            result = _completed(job_poller, job_id, transcriptions.PRICE)
            seconds = Decimal(str(result.get("duration_seconds") or 0))
            due = nano(Decimal(str(row["rate_usd"])) / Decimal(str(row.get("per") or 1)) * seconds)
            total += due
            usage = result.get("usage") or {}
            cost = usage.get("cost")
            expect(transcriptions.PRICE, cost is not None and Decimal(str(cost)) == due,
                   f"usage.cost {due} ({row['rate_usd']} per {row.get('per')} s × {seconds} s)", cost)
            expect(transcriptions.PRICE, usage.get("unit") == "audio-second", "usage.unit audio-second",
                   usage.get("unit"))
    failures.raise_any()
    if book is not None and before is not None:
        billed = book.billed_since(before)
        expect(transcriptions.PRICE, billed == total, f"debits of {total} USD in all",
               f"{billed} USD")


@pytest.mark.rule(transcriptions.RAW)
@pytest.mark.parametrize("flag", [None, "disable_formatting", "raw_response"])
def test_disable_formatting_adds_raw(api: ApiClient, discovery: Discovery, job_poller: JobPoller,
                                     flag: str | None) -> None:
    model = _models(discovery)[0]
    body = {**_json(model), **({flag: True} if flag else {})}
    result = _completed(job_poller, job_poller.submitted(api.post(ENDPOINT, json=body), transcriptions.RAW), transcriptions.RAW)
    raw = result.get("raw")
    if flag is None:
        holds(transcriptions.RAW, raw is None, f"no raw without the flag, got {raw!r:.200}")
        return
    expect(transcriptions.RAW, isinstance(raw, dict) and bool(raw), f"raw, the upstream payload, with {flag}: true",
           raw)
    shown = [k for k in SCRUBBED if k in (raw or {})]
    holds(transcriptions.RAW, not shown, f"raw without the upstream's ids and URLs, got {shown}")
    holds(transcriptions.RAW, isinstance(result.get("text"), str) and result.get("usage") is not None,
          "the result keeps its text and usage")


@pytest.mark.rule("unknown_model_404", "openai_error_envelope", "rejected_by_gateway")
def test_unknown_model_is_404(api: ApiClient, contract: Contract) -> None:
    response = api.post(ENDPOINT, json={"model": "no-such-transcriber-zz",
                                        "file": _data_url(transcriptions.tone(0.5))})
    error = errors.openai_error(response, contract, status=404, code="model_not_found")
    holds("unknown_model_404", error.get("param") == "model", f"param should be model, got {error.get('param')!r}")
    not_forwarded(response, "a transcription for an unknown model")


@pytest.mark.rule("model_wrong_endpoint", "openai_error_envelope", "rejected_by_gateway")
def test_model_not_serving_transcriptions_is_400(api: ApiClient, contract: Contract, discovery: Discovery) -> None:
    others = [*discovery.serving("/v1/videos/generations"), *discovery.chat_models()]
    other = next((m for m in others if ENDPOINT not in (m.get("endpoints") or ())), None)
    if other is None:
        pytest.skip(discovery.lacks_field("model that does not serve /v1/audio/transcriptions", "endpoints"))
    response = api.post(ENDPOINT, json={"model": other["id"], "file": _data_url(transcriptions.tone(0.5))})
    error = errors.openai_error(response, contract, status=400, code="model_not_supported_on_endpoint",
                                type="invalid_request_error")
    holds("model_wrong_endpoint", error.get("param") == "model", f"param should be model, got {error.get('param')!r}")
    not_forwarded(response, f"a transcription for {other['id']}")


SCHEMA_CASES: tuple[tuple[str, Any], ...] = (
    ("temperature", 1.5), ("response_format", "zz-no-such-format"), ("timestamp_granularities", ["letter"]),
    ("file", "ftp://example.com/meeting.mp3"), ("file", _data_url(b"just some text, not audio", "audio/wav")),
)


@pytest.mark.rule(transcriptions.PARAMETERS, "openai_error_envelope", "rejected_by_gateway")
def test_invalid_values_are_400_naming_them(api: ApiClient, contract: Contract, discovery: Discovery) -> None:
    model = _models(discovery)[0]
    failures = Failures()
    for name, value in (*SCHEMA_CASES, *refused_values(model, ("file", "prompt"))):
        with failures.check(f"{model['id']} {name}={str(value)[:40]!r}"):
            response = api.post(ENDPOINT, json={**_json(model, 0.5), name: value})
            expect(transcriptions.PARAMETERS, response.status_code == 400, "400",
                   f"{response.status_code}: {response.text[:200]}")
            error = errors.openai_error(response, contract, status=400, type="invalid_request_error")
            expect(transcriptions.PARAMETERS, str(error.get("param") or "").split("[")[0] == name, f"param {name}",
                   error.get("param"))
            not_forwarded(response, f"a transcription with {name}={str(value)[:40]!r}")
    failures.raise_any()


@pytest.mark.rule(file_checks.CAP, "rejected_by_gateway")
def test_a_file_over_the_cap_is_413(api: ApiClient, contract: Contract, discovery: Discovery) -> None:
    """A multipart file part over ``x-empiriolabs-limits.upload_max_bytes`` is refused as an upload is (D-115)."""
    cap = contract.spec.get("x-empiriolabs-limits", {}).get("upload_max_bytes")
    if not isinstance(cap, int):
        pytest.skip("the contract states no upload_max_bytes")
    if cap > LARGEST_CAP_SENT:
        pytest.skip(f"the upload cap ({cap} bytes) is over {LARGEST_CAP_SENT} bytes: not probed")
    wav = transcriptions.tone(0.1)
    data = wav + secrets.token_bytes(cap + 1 - len(wav))
    response = api.post(ENDPOINT, data={"model": _models(discovery)[0]["id"]},
                        files={"file": ("long.wav", data, "audio/wav")})
    try:
        errors.openai_error(response, contract, status=413, code="request_too_large", type="invalid_request_error")
    except CheckFailure as failure:
        raise CheckFailure(file_checks.CAP, f"a file part of {cap + 1} bytes: {failure}") from None
    not_forwarded(response, "a transcription of a file over the cap")


@pytest.mark.rule(transcriptions.FILE_CAP, ACCEPTED)
def test_a_file_under_the_cap_is_accepted(api: ApiClient, contract: Contract, discovery: Discovery,
                                          job_poller: JobPoller) -> None:
    """A file part past ``json_body_max_bytes`` but within ``upload_max_bytes`` is taken (D-115); the job is
    waited for, so that its charge falls within this test."""
    limits = contract.spec.get("x-empiriolabs-limits", {})
    cap, json_limit = limits.get("upload_max_bytes"), limits.get("json_body_max_bytes")
    if not isinstance(cap, int) or not isinstance(json_limit, int) or cap <= json_limit + 2**20:
        pytest.skip("the contract states no upload cap above json_body_max_bytes")
    if cap > LARGEST_CAP_SENT:
        pytest.skip(f"the upload cap ({cap} bytes) is over {LARGEST_CAP_SENT} bytes: not probed")
    wav = transcriptions.tone(0.1)
    data = wav + bytes(json_limit + 2**20 - len(wav))
    response = api.post(ENDPOINT, data={"model": _models(discovery)[0]["id"]},
                        files={"file": ("long.wav", data, "audio/wav")})
    expect(transcriptions.FILE_CAP, response.status_code == 202, f"202 for a file of {len(data)} bytes",
           f"{response.status_code}: {response.text[:200]}")
    job_poller.until_done(job_poller.submitted(response))


@pytest.mark.rule("credits_402", "error_code", "openai_error_envelope", "rejected_by_gateway")
def test_insufficient_credits_is_402(api: ApiClient, contract: Contract, discovery: Discovery,
                                     zero_credit_key: str) -> None:
    response = api.post(ENDPOINT, json=_json(_models(discovery)[0], 0.5), key=zero_credit_key)
    errors.openai_error(response, contract, status=402, code="insufficient_credits", type="billing_error")
    not_forwarded(response, "a transcription of an account without credits")


FAULTS = {"fail": "[[mock:job=fail]]", "hang": "[[mock:job=hang]]", "malformed": "[[mock:job=malformed]]"}


@pytest.mark.rule(upstream_jobs.FAILED, upstream_jobs.UNCHARGED, FINISHES)
@pytest.mark.parametrize("fault", list(FAULTS))
def test_upstream_job_failure_fails_the_job(api: ApiClient, discovery: Discovery, job_poller: JobPoller,
                                            target: Target, mock_upstreams: bool, fault: str) -> None:
    """An upstream job that fails, hangs (until the job deadline: ``--job-timeout`` above it) or completes
    without a transcript: the job fails ``upstream_error``, uncharged."""
    model = _models(discovery)[0]
    book = _ledger(target)
    before = book.balance() if book is not None else None
    job_id = job_poller.submitted(api.post(ENDPOINT, json=_json(model, prompt=FAULTS[fault])))
    upstream_jobs.failed_job(job_poller.until_done(job_id), f"an upstream transcription job that {fault}s")
    upstream_jobs.uncharged(before, book.balance() if book is not None else None, f"a job whose upstream {fault}s")


@pytest.mark.rule(upstream_jobs.RESUMED, upstream_jobs.AFTER_RESTART)
def test_running_job_survives_a_restart(api: ApiClient, discovery: Discovery, job_poller: JobPoller,
                                        mock_upstreams: bool, restart: Callable[[], None]) -> None:
    model = _models(discovery)[0]
    job_id = job_poller.submitted(api.post(ENDPOINT, json=_json(model, prompt="[[mock:job=time:3s]]")))
    running = job_poller.until(job_id, lambda job: job.get("status") == "running", "running")
    expect(upstream_jobs.AFTER_RESTART, running.get("status") == "running", "the job running before the restart",
           running.get("status"))
    restart()
    job = job_poller.until_done(job_id)
    expect(upstream_jobs.AFTER_RESTART, job.get("status") in ("completed", "failed"),
           "the job ended after the restart", job.get("status"))
    expect(upstream_jobs.RESUMED, job.get("status") == "completed" and isinstance((job.get("result") or {}).get("text"),
                                                                                  str),
           "the job resumed and completed with its transcript", job.get("error") or job.get("status"))
