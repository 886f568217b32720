"""Chat Completions failures (D-2, D-11): upstream errors mapped to 502/503/400 without leaking anything of
the upstream, failures after a stream started reported in-band, gateway faults, credits and rate limits.

Upstream failures are injected with the mocks' ``[[mock:...]]`` directives, so those checks need a
deployment whose upstreams are this project's mocks (``--mock-upstreams``).
"""

from __future__ import annotations

from typing import Any

import pytest

from suites.chat import Failures, chat_body, complete, need, per_provider, stream_chat
from suites.checks import chat as checks
from suites.checks import errors, expect
from suites.checks.behaviour import status_is
from suites.client import ApiClient
from suites.contract import Contract
from suites.discovery import Discovery
from suites.upstreams import not_forwarded


def _fault(model: dict[str, Any], fault: str, text: str = "Say hello.") -> dict[str, Any]:
    return chat_body(model, f"[[mock:fault={fault}]] {text}")


def _leak_free(response: Any) -> None:
    checks.no_leaks(response.content)
    checks.no_leaks(response.headers)


@pytest.mark.rule("upstream_failure_status")
def test_upstream_5xx_is_502(api: ApiClient, contract: Contract, discovery: Discovery, mock_upstreams: bool) -> None:
    failures = Failures()
    for model in per_provider(discovery, api):
        with failures.check(f"{model['owned_by']}/{model['id']}"):
            response = complete(api, _fault(model, "status:500"))
            errors.openai_error(response, contract, status=502, code="upstream_error", type="api_error")
            _leak_free(response)
    failures.raise_any()


@pytest.mark.rule("upstream_failure_status")
def test_upstream_unavailable_is_503(api: ApiClient, contract: Contract, discovery: Discovery,
                                     mock_upstreams: bool) -> None:
    failures = Failures()
    for model in per_provider(discovery, api):
        with failures.check(f"{model['owned_by']}/{model['id']}"):
            response = complete(api, _fault(model, "status:503"), retry_429=False)
            errors.openai_error(response, contract, status=503, code="model_unavailable", type="api_error")
            _leak_free(response)
    failures.raise_any()


MAPPING: dict[str, tuple[int, str]] = {
    "status:400": (400, "upstream_invalid_request"),
    "status:401": (502, "upstream_error"),
    "status:402": (502, "upstream_error"),
    "status:403": (502, "upstream_error"),
    "status:429": (503, "model_unavailable"),
    "status:502": (502, "upstream_error"),
    "status:504": (502, "upstream_error"),
}


@pytest.mark.parametrize("fault", list(MAPPING))
@pytest.mark.rule("upstream_failure_status")
def test_upstream_status_mapping(api: ApiClient, contract: Contract, discovery: Discovery, mock_upstreams: bool,
                                 fault: str) -> None:
    status, code = MAPPING[fault]
    failures = Failures()
    for model in per_provider(discovery, api):
        with failures.check(f"{model['owned_by']}/{model['id']}"):
            response = complete(api, _fault(model, fault), retry_429=False)
            errors.openai_error(response, contract, status=status, code=code)
    failures.raise_any()


LEAK_FAULTS = ["status:500", "status:429", "status:401", "status:400", "malformed:1", "cut:1"]


@pytest.mark.parametrize("fault", ["midstream:5", "cut:6", "malformed:5"], ids=["midstream", "cut", "malformed"])
@pytest.mark.rule("stream_error_chunk", "stream_error_chunk_last", "stream_error_after_chunks")
def test_midstream_failure_is_error_chunk_then_done(api: ApiClient, discovery: Discovery, mock_upstreams: bool,
                                                    fault: str) -> None:
    failures = Failures()
    for model in per_provider(discovery, api):
        with failures.check(f"{model['owned_by']}/{model['id']}"):
            result = stream_chat(api, _fault(model, fault, "Write a long story about a lighthouse."))
            error = checks.stream_error_then_done(result.data, result.payloads)
            expect("error_type", error.get("type") == "api_error", "error type api_error", error.get("type"))
            expect("error_code", error.get("code") in ("upstream_error", "model_unavailable"),
                   "error code upstream_error or model_unavailable", error.get("code"))
            expect("stream_error_chunk", not result.finish_reasons, "no finish_reason in a failed stream",
                   result.finish_reasons)
            checks.no_leaks(result.raw)
            checks.no_leaks(result.headers)
    failures.raise_any()


@pytest.mark.parametrize("stream", [False, True], ids=["non-stream", "stream"])
@pytest.mark.rule("upstream_failure_status")
def test_malformed_upstream_is_502(api: ApiClient, contract: Contract, discovery: Discovery, mock_upstreams: bool,
                                   stream: bool) -> None:
    failures = Failures()
    for model in per_provider(discovery, api):
        with failures.check(f"{model['owned_by']}/{model['id']}"):
            if stream:  # the very first upstream event is broken: nothing was sent yet, so a plain 502
                result = stream_chat(api, _fault(model, "malformed:1"), require_stream=False)
                if result.is_stream:  # a gateway that already sent its 200 reports the failure in-band
                    checks.done_terminates(result.data)
                    failed = [p for p in result.payloads if "error" in p]
                    expect("stream_error_chunk", len(failed) == 1 and "error" in result.payloads[-1],
                           "one error chunk before [DONE]", result.data[-3:])
                    expect("error_code", bool(failed) and failed[0]["error"].get("code") == "upstream_error",
                           "error code upstream_error", failed[:1])
                else:
                    expect("upstream_failure_status", result.status == 502, "502 upstream_error", result.describe())
                    expect("error_code", (result.json().get("error") or {}).get("code") == "upstream_error",
                           "error code upstream_error", result.describe())
                checks.no_leaks(result.raw)
                checks.no_leaks(result.headers)
            else:
                response = complete(api, _fault(model, "malformed:1"))
                errors.openai_error(response, contract, status=502, code="upstream_error", type="api_error")
                _leak_free(response)
    failures.raise_any()


@pytest.mark.rule("internal_error_envelope")
def test_internal_error_is_500_in_envelope(api: ApiClient, contract: Contract, discovery: Discovery,
                                           test_hooks: bool) -> None:
    model = need(discovery.plain_chat_model(), "chat model")
    response = complete(api, chat_body(model), headers={"x-empirio-test": "internal-error"})
    errors.openai_error(response, contract, status=500, code="internal_error", type="api_error")
    _leak_free(response)


@pytest.mark.rule("credits_402", "error_code", "openai_error_envelope")
def test_insufficient_credits_is_402(api: ApiClient, contract: Contract, discovery: Discovery,
                                     zero_credit_key: str) -> None:
    model = need(discovery.plain_chat_model(), "chat model")
    response = complete(api, chat_body(model), key=zero_credit_key)
    errors.openai_error(response, contract, status=402, code="insufficient_credits", type="billing_error")
    streamed = complete(api, chat_body(model, stream=True), key=zero_credit_key)
    errors.openai_error(streamed, contract, status=402, code="insufficient_credits", type="billing_error")
    not_forwarded(response)
    not_forwarded(streamed)


@pytest.mark.rule("rate_limit_429", "error_code", "rate_limit_retry_after")
def test_rate_limit_is_429(api: ApiClient, contract: Contract, discovery: Discovery, rate_limited_key: str) -> None:
    model = need(discovery.plain_chat_model(), "chat model")
    statuses = []
    for _ in range(2):  # the key allows 1 request per minute: the first may pass (unless already spent)
        response = complete(api, chat_body(model, max_completion_tokens=5), key=rate_limited_key, retry_429=False)
        statuses.append(response.status_code)
        if response.status_code == 429:
            break
        status_is("valid_request_200", response, 200)
    expect("rate_limit_429", response.status_code == 429,
           "a 429 for the second request within a minute on a 1-RPM account", statuses)
    errors.openai_error(response, contract, status=429, code="rate_limit_exceeded", type="rate_limit_error")
    not_forwarded(response)
    retry_after = response.headers.get("retry-after", "")
    expect("rate_limit_retry_after", retry_after.isdigit() and 0 < int(retry_after) <= 60,
           "retry-after in whole seconds within the 60 s window", retry_after)
