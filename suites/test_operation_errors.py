"""The documented errors of every operation of ``specs/openapi.yaml`` (D-134), each rule written once and run
on every operation that documents its status, read from the spec: 401 without a key and with an unknown one,
413 for a body over the contract's limit, 404 for an unknown model and for an unknown id in the path, 402
with a key of an account without credits, 429 with a rate-limited key, 502 and 503 for an upstream that fails
or is unavailable (``[[mock:...]]`` faults), 500 for a gateway fault (the ``x-empirio-test`` hook). Every
answer must match the schema the operation documents for that status, in the operation's envelope, and a
refusal the gateway owes must not have reached an upstream.

A status that cannot be provoked from outside is skipped saying why and listed in the coverage report as
not provocable (D-135): an upstream's failure on an operation that only answers 202 (it fails the job), a
404 behind a signed URL, a 429 of an operation that takes no key.
"""

from __future__ import annotations

import json
import secrets
from typing import Any

import httpx
import pytest

from suites.checks import errors, expect, fail
from suites.checks import files as file_checks
from suites.checks.errors import DOCUMENTED_SCHEMA, UNKNOWN_ID
from suites.client import ApiClient, AuthStyle
from suites.contract import Contract
from suites.discovery import Discovery
from suites.operations import (
    JSON,
    MULTIPART,
    Documented,
    binary_fields,
    documented_operations,
    limits,
    sample_wav,
    takes_model,
    valid_body,
)
from suites.plugin import Target
from suites.recorder import Recorder
from suites.transport import ContractTransport
from suites.upstreams import not_forwarded

PREFIX = "sk-empiriolabs-"
OPERATIONS = documented_operations()


def _documenting(status: int, *, model: bool = False) -> list[Any]:
    return [pytest.param(op, id=op.id) for op in OPERATIONS
            if op.documents(status) and (not model or takes_model(op))]


def _unknown(name: str) -> str:
    return f"no-such-{name.replace('_', '-')}-{secrets.token_hex(6)}"


def _model(op: Documented, discovery: Discovery) -> str | None:
    """A model the deployment lists for ``op``'s path (None when ``op`` takes none); skips without one."""
    if not takes_model(op):
        return None
    models = discovery.serving(op.template)
    if not models:
        pytest.skip(discovery.lacks_field(f"available model serving {op.template}", "endpoints"))
    return str(models[0]["id"])


def _send(api: ApiClient, op: Documented, body: dict[str, Any] | bytes | None, *, key: str | None = None,
          auth: AuthStyle = "bearer", headers: dict[str, str | bytes] | None = None,
          ids: dict[str, str] | None = None) -> httpx.Response:
    """``op`` with ``body`` (JSON, raw bytes as JSON, or multipart fields), its path ids unknown unless given."""
    path = op.path(**{name: (ids or {}).get(name) or _unknown(name) for name in op.path_params})
    extra: dict[str, Any] = {}
    if isinstance(body, bytes):
        extra = {"content": body}
        headers = {"content-type": JSON, **(headers or {})}
    elif body is not None and op.body_media == MULTIPART:
        parts = binary_fields(op)
        extra = {"files": {n: ("sample.wav", v if isinstance(v, bytes) else sample_wav(), "audio/wav")
                           for n, v in body.items() if n in parts},
                 "data": {n: v for n, v in body.items() if n not in parts}}
    elif body is not None:
        extra = {"json": body}
    return api.request(op.method, path, key=key, auth=auth, headers=headers, retry_429=False, **extra)


def _body(op: Documented, model_id: str | None, text: str = "Say hello.") -> dict[str, Any] | None:
    return valid_body(op, model_id, text) if op.body_media else None


@pytest.mark.rule("auth_missing_key", DOCUMENTED_SCHEMA, "rejected_by_gateway")
@pytest.mark.parametrize("op", _documenting(401))
def test_missing_key_is_401(api: ApiClient, contract: Contract, op: Documented) -> None:
    response = _send(api, op, _body(op, _unknown("model")), auth="none")
    errors.documented_error(response, contract, op, 401, rule="auth_missing_key", code="missing_api_key")
    not_forwarded(response, f"{op.id} without a key")


@pytest.mark.rule("auth_invalid_key", DOCUMENTED_SCHEMA, "rejected_by_gateway")
@pytest.mark.parametrize("op", _documenting(401))
def test_unknown_key_is_401(api: ApiClient, contract: Contract, op: Documented) -> None:
    style: AuthStyle = "x-api-key" if op.envelope(401) == "anthropic" else "bearer"
    response = _send(api, op, _body(op, _unknown("model")), key=PREFIX + secrets.token_urlsafe(32), auth=style)
    errors.documented_error(response, contract, op, 401, rule="auth_invalid_key", code="invalid_api_key")
    not_forwarded(response, f"{op.id} with an unknown key")


def _oversized(op: Documented, model_id: str | None) -> tuple[dict[str, Any] | bytes, int]:
    """A body of ``op`` just over its limit: a JSON body over ``json_body_max_bytes``, or a file part over
    the per-file ``upload_max_bytes`` of a multipart-only operation (D-82, D-137)."""
    if op.body_media == MULTIPART:
        cap = int(limits()["upload_max_bytes"])
        wav = sample_wav()
        return {**(valid_body(op, model_id) or {}), **{n: wav + b"\0" * (cap + 1 - len(wav))
                                                      for n in binary_fields(op)}}, cap
    cap = int(limits()["json_body_max_bytes"])
    valid = json.dumps(valid_body(op, model_id)).encode()
    return valid + b" " * (cap + 1 - len(valid)), cap  # JSON allows trailing whitespace


@pytest.mark.rule("body_size_413", file_checks.CAP, DOCUMENTED_SCHEMA, "rejected_by_gateway")
@pytest.mark.parametrize("op", _documenting(413))
def test_body_over_the_limit_is_413(api: ApiClient, contract: Contract, discovery: Discovery,
                                    op: Documented) -> None:
    body, cap = _oversized(op, _model(op, discovery))
    response = _send(api, op, body)
    rule = file_checks.CAP if op.body_media == MULTIPART else "body_size_413"
    errors.documented_error(response, contract, op, 413, rule=rule, code="request_too_large")
    not_forwarded(response, f"{op.id} over its limit of {cap} bytes")


@pytest.mark.rule("unknown_model_404", DOCUMENTED_SCHEMA, "rejected_by_gateway")
@pytest.mark.parametrize("op", _documenting(404, model=True))
def test_unknown_model_is_404(api: ApiClient, contract: Contract, op: Documented) -> None:
    response = _send(api, op, _body(op, _unknown("model")))
    errors.documented_error(response, contract, op, 404, rule="unknown_model_404", code="model_not_found")
    not_forwarded(response, f"{op.id} for an unknown model")


@pytest.mark.rule(UNKNOWN_ID, DOCUMENTED_SCHEMA, "not_a_server_error")
@pytest.mark.parametrize("op", [p for p in _documenting(404) if p.values[0].path_params])
def test_unknown_id_is_404(api: ApiClient, contract: Contract, recorder: Recorder, op: Documented) -> None:
    if op.documents(403):
        reason = (f"{op.id}: an invented URL is refused 403 before any lookup; its 404 needs a correctly signed "
                  f"URL of an object already deleted (D-90)")
        recorder.unprovoked(op.id, 404, reason)
        pytest.skip(reason)
    response = _send(api, op, None)
    errors.no_server_error(response)
    errors.documented_error(response, contract, op, 404, rule=UNKNOWN_ID)


@pytest.mark.rule("credits_402", DOCUMENTED_SCHEMA, "rejected_by_gateway")
@pytest.mark.parametrize("op", _documenting(402))
def test_no_credits_is_402(api: ApiClient, contract: Contract, discovery: Discovery, zero_credit_key: str,
                           op: Documented) -> None:
    response = _send(api, op, _body(op, _model(op, discovery)), key=zero_credit_key)
    errors.documented_error(response, contract, op, 402, rule="credits_402", code="insufficient_credits")
    not_forwarded(response, f"{op.id} of an account without credits")


def _cheapest_auxiliary(discovery: Discovery) -> tuple[Documented, dict[str, str]]:
    """An auxiliary ``GET`` that succeeds without any state of the account: its only path parameter, if any,
    a listed model's id (a single model's entry, smaller than the whole listing)."""
    auxiliary = set(limits().get("auxiliary_operations") or ())
    known = {"model_id": str(discovery.models[0]["id"])} if discovery.models else {}
    usable = [op for op in OPERATIONS if op.id in auxiliary and op.method == "GET" and op.documents(401)
              and set(op.path_params) <= set(known)]
    if not usable:
        pytest.skip("no auxiliary GET operation the suite can call without state of its own")
    op = max(usable, key=lambda o: len(o.path_params))
    return op, {name: known[name] for name in op.path_params}


def _spend_auxiliary_budget(api: ApiClient, key: str, discovery: Discovery) -> None:
    """Send the cheapest auxiliary request with ``key`` until it is refused 429, at most the documented
    ``auxiliary_requests_per_minute`` + 1 times (a refused or failed request is not counted, D-3)."""
    op, ids = _cheapest_auxiliary(discovery)
    budget = int(limits().get("auxiliary_requests_per_minute") or 600)
    for _ in range(budget + 1):
        response = _send(api, op, None, key=key, ids=ids)
        if response.status_code == 429:
            return
        expect("rate_limit_429", response.status_code == 200, f"200 from {op.id} while spending the budget",
               f"{response.status_code}: {response.text[:200]}")
    fail("rate_limit_429", f"{budget + 1} requests of {op.id} in a minute with the rate-limited key, none refused "
                           f"429 (auxiliary_requests_per_minute: {budget})")


@pytest.mark.rule("rate_limit_429", "rate_limit_retry_after", DOCUMENTED_SCHEMA)
@pytest.mark.parametrize("op", _documenting(429))
def test_rate_limited_is_429(api: ApiClient, contract: Contract, discovery: Discovery, recorder: Recorder,
                             rate_limited_key: str, op: Documented) -> None:
    """A counted operation past the key's one request of the minute; an auxiliary one past the account's
    auxiliary budget (D-3, D-136). An operation without a key has no account budget to spend."""
    if not op.documents(401):
        reason = (f"{op.id} takes no key, so no account's budget applies: its 429 is the transport's "
                  f"too_many_connections (D-70), not provoked here")
        recorder.unprovoked(op.id, 429, reason)
        pytest.skip(reason)
    model = _model(op, discovery)
    if op.id in (limits().get("counted_operations") or ()):
        response = _send(api, op, _body(op, model), key=rate_limited_key)
        if response.status_code < 300:  # the account's one request of the minute may pass
            response = _send(api, op, _body(op, model), key=rate_limited_key)
    else:
        _spend_auxiliary_budget(api, rate_limited_key, discovery)
        response = _send(api, op, _body(op, model), key=rate_limited_key)
    errors.documented_error(response, contract, op, 429, rule="rate_limit_429", code="rate_limit_exceeded")
    errors.retry_after_given(response, op.id)


def _fault_case(op: Documented, status: int, recorder: Recorder) -> None:
    if op.async_only:
        reason = (f"{op.id} only answers 202: an upstream's failure fails the job (GET /v1/jobs/{{job_id}}), "
                  f"the request never sees it (D-89)")
        recorder.unprovoked(op.id, status, reason)
        pytest.skip(reason)


@pytest.mark.rule("upstream_failure_status", DOCUMENTED_SCHEMA, "no_upstream_leak")
@pytest.mark.parametrize(("op", "fault", "status", "code"), [
    pytest.param(*p.values, "status:500", 502, "upstream_error", id=f"{p.id}-502") for p in _documenting(502)
] + [
    pytest.param(*p.values, "status:503", 503, "model_unavailable", id=f"{p.id}-503") for p in _documenting(503)
])
def test_upstream_failure_is_mapped(api: ApiClient, contract: Contract, discovery: Discovery, recorder: Recorder,
                                    mock_upstreams: bool, op: Documented, fault: str, status: int,
                                    code: str) -> None:
    """An upstream answering 500 is 502 ``upstream_error``; one answering 503 is 503 ``model_unavailable``
    (D-11), in the operation's envelope."""
    _fault_case(op, status, recorder)
    response = _send(api, op, _body(op, _model(op, discovery), f"[[mock:fault={fault}]] Say hello."))
    errors.documented_error(response, contract, op, status, rule="upstream_failure_status", code=code)


@pytest.mark.rule("internal_error_envelope", DOCUMENTED_SCHEMA)
@pytest.mark.parametrize("op", _documenting(500))
def test_internal_error_is_500(contract: Contract, discovery: Discovery, recorder: Recorder, target: Target,
                               test_hooks: bool, op: Documented) -> None:
    """A gateway fault (``x-empirio-test: internal-error``) is the documented 500 in the operation's envelope,
    over a connection pool of its own (a crashing route may drop its connection)."""
    own = ContractTransport(contract, recorder)
    client = ApiClient(target.base_url, target.api_key, own)
    try:
        response = _send(client, op, _body(op, _model(op, discovery)), headers={"x-empirio-test": "internal-error"})
        errors.documented_error(response, contract, op, 500, rule="internal_error_envelope", code="internal_error")
    finally:
        client.close()
