"""OpenAI Responses (``POST /v1/responses``), non-stream: answers per provider, input items and
instructions, ``max_output_tokens`` → ``incomplete``, reasoning as a ``reasoning`` item (D-8, D-17),
and every error in the OpenAI envelope (D-2, D-11).

Each per-provider check runs on one model per ``owned_by`` that serves /v1/responses; upstream faults
are injected with the mocks' ``[[mock:...]]`` directives, so those checks need ``--mock-upstreams``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from suites import error_cases as cases
from suites.checks import chat as leaks
from suites.checks import errors, holds
from suites.checks import responses as checks
from suites.client import ApiClient
from suites.contract import Contract
from suites.discovery import Discovery
from suites.error_cases import ErrorCase
from suites.plugin import Target
from suites.recorder import Recorder
from suites.responses_stream import (
    create,
    per_provider,
    plain_model,
    reasoners,
    reasoning_extra,
    response_body,
    stream_responses,
)
from suites.selection import Failures

LONG = "Write a long story about a lighthouse keeper and the sea."
LIMIT = 16  # the smallest max_output_tokens OpenAI's own API accepts


def _ok(response: Any) -> dict[str, Any]:
    holds("valid_request_200", bool(response.status_code == 200),
          f"{response.status_code}: {response.text[:300]!r}")
    return response.json()  # type: ignore[no-any-return]


@pytest.mark.rule("response_object", "response_status", "responses_usage_total", "model_echoed")
def test_response_per_provider(api: ApiClient, discovery: Discovery) -> None:
    failures = Failures()
    for model in per_provider(discovery, api):
        with failures.check(f"{model['owned_by']}/{model['id']}"):
            response = create(api, response_body(model))
            body = _ok(response)
            checks.response_answer(body, model["id"], status="completed")
            checks.usage_adds_up(body["usage"])
            holds("response_status", bool(body.get("error") is None),
                  f"a completed response carries an error: {body.get('error')!r}")
            leaks.no_leaks(response.headers)
    failures.raise_any()


QUESTION = "Name three colours of the rainbow."
INPUTS: dict[str, Any] = {
    "message-string-content": [{"role": "user", "content": QUESTION}],
    "typed-message-input-text": [{"type": "message", "role": "user", "content": [{"type": "input_text", "text": QUESTION}]}],
    "two-input-text-parts": [{"type": "message", "role": "user", "content": [
        {"type": "input_text", "text": "Name three colours"}, {"type": "input_text", "text": "of the rainbow."}]}],
    "multi-turn": [
        {"role": "user", "content": "Hello, who are you?"},
        {"type": "message", "role": "assistant", "content": [{"type": "output_text", "text": "A helpful assistant."}]},
        {"role": "user", "content": QUESTION},
    ],
    "developer-message": [{"role": "developer", "content": "Answer tersely, in English."},
                          {"role": "user", "content": QUESTION}],
    "system-message": [{"role": "system", "content": "Answer tersely, in English."}, {"role": "user", "content": QUESTION}],
    "instructions": QUESTION,
}
INSTRUCTED = {"developer-message", "system-message", "instructions"}


@pytest.mark.parametrize("form", list(INPUTS))
@pytest.mark.rule("responses_input_forms")
def test_input_items_and_instructions(api: ApiClient, discovery: Discovery, target: Target, form: str) -> None:
    model = plain_model(discovery, api)
    extra = {"instructions": "Answer tersely, in English."} if form == "instructions" else {}
    body = _ok(create(api, response_body(model, INPUTS[form], **extra)))
    text = checks.response_answer(body, model["id"])
    checks.usage_adds_up(body["usage"])
    if form == "instructions":
        holds("responses_input_forms", bool(body.get("instructions") == extra["instructions"]),
              f"instructions echoed as {body.get('instructions')!r}")
    if target.mock_upstreams:  # the mock quotes the last user text: it reached the model, word for word
        missing = [w for w in ("three", "colours", "of", "rainbow") if not re.search(rf"\b{w}\b", text)]
        holds("responses_input_forms", not missing,
              f"the last user message's words {missing} did not reach the model as words — text parts " f"glued together? (reply {text[:120]!r})")
    if form in INSTRUCTED:  # instructions reach the model: they cost input tokens
        bare = _ok(create(api, response_body(model, QUESTION)))
        holds("responses_input_forms", bool(body["usage"]["input_tokens"] > bare["usage"]["input_tokens"]),
              f"input_tokens with {form} ({body['usage']['input_tokens']}) should exceed those of the bare question " f"({bare['usage']['input_tokens']}): the instructions did not reach the model")


@pytest.mark.rule("response_status", "incomplete_details")
def test_max_output_tokens_incomplete(api: ApiClient, discovery: Discovery) -> None:
    failures = Failures()
    for model in per_provider(discovery, api):
        thinks = bool((model.get("capabilities") or {}).get("thinking"))
        body = response_body(model, LONG, max_output_tokens=LIMIT)
        with failures.check(f"{model['owned_by']}/{model['id']} non-stream"):
            answer = _ok(create(api, body))
            checks.response_answer(answer, model["id"], status="incomplete", text=False)
            reason = (answer.get("incomplete_details") or {}).get("reason")
            holds("incomplete_details", bool(reason == "max_output_tokens"),
                  f"incomplete_details.reason {reason!r}, expected max_output_tokens")
            checks.usage_adds_up(answer["usage"])
            if not thinks:
                holds("max_tokens_bound", bool(answer["usage"]["output_tokens"] <= LIMIT),
                      f"output_tokens {answer['usage']['output_tokens']} > {LIMIT}")
        with failures.check(f"{model['owned_by']}/{model['id']} stream"):
            result = stream_responses(api, body)
            checks.event_sequence(result.payloads, terminal="response.incomplete")
            final = checks.final_matches_events(result.payloads)
            holds("incomplete_details", bool((final.get("incomplete_details") or {}).get("reason") == "max_output_tokens"),
                  f"response.incomplete incomplete_details {final.get('incomplete_details')!r}")
    failures.raise_any()


@pytest.mark.rule("reasoning_item", "reasoning_before_message", "reasoning_summary_empty")
def test_reasoning_item(api: ApiClient, discovery: Discovery) -> None:
    failures = Failures()
    for model in reasoners(discovery, api):
        body = response_body(model, "Is 17 a prime number? Answer briefly.", **reasoning_extra(model))
        with failures.check(f"{model['owned_by']}/{model['id']} non-stream"):
            answer = _ok(create(api, body))
            text = checks.response_answer(answer, model["id"])
            checks.reasoning_before_message(answer["output"])
            checks.no_thinking_markdown(text)
            reasoning = (answer["usage"].get("output_tokens_details") or {}).get("reasoning_tokens")
            holds("reasoning_item", bool(isinstance(reasoning, int) and reasoning > 0),
                  f"usage reasoning_tokens is {reasoning!r} for a reasoning answer")
        with failures.check(f"{model['owned_by']}/{model['id']} stream"):
            result = stream_responses(api, body)
            checks.event_sequence(result.payloads)
            checks.reasoning_before_message(checks.built_output(result.payloads))
            checks.no_thinking_markdown(result.text)
    failures.raise_any()


SETTINGS: dict[str, Any] = {
    "temperature": 0.5, "top_p": 0.9, "presence_penalty": 0.25, "frequency_penalty": 0.5, "max_output_tokens": 64,
    "max_tool_calls": 2, "user": "suite-user", "prompt_cache_key": "suite-cache", "safety_identifier": "suite-safety",
    "metadata": {"suite": "responses"}, "store": True, "instructions": "Answer briefly.",
}


@pytest.mark.parametrize("stream", [False, True], ids=["non-stream", "stream"])
@pytest.mark.parametrize("sent", ["settings", "defaults"])
@pytest.mark.rule("response_fields_complete", "response_settings_echoed", "store_echo", "stream_responses_complete")
def test_response_object_complete(api: ApiClient, discovery: Discovery, stream: bool, sent: str) -> None:
    model = plain_model(discovery, api)
    body = response_body(model, **(SETTINGS if sent == "settings" else {}))
    if not stream:
        checks.response_complete(_ok(create(api, body)), body)
        return
    payloads = stream_responses(api, {**body, "stream": True}).payloads
    responses = [p.get("response") for p in payloads if p.get("type") in ("response.created", "response.in_progress",
                                                                          *checks.TERMINAL)]
    for response in responses:
        checks.response_complete(response, body)
    settings = [{k: (r or {}).get(k) for k in checks.RESPONSE_FIELDS if k not in checks.LIFECYCLE_FIELDS}
                for r in responses]
    holds("stream_responses_complete", len(responses) == 3 and all(s == settings[0] for s in settings),
          f"the created, in_progress and terminal responses differ: {settings}")


@pytest.mark.rule("reasoning_summary_text", "summary_is_reasoning", "summary_event_order", "reasoning_before_message")
def test_reasoning_summary_when_requested(api: ApiClient, discovery: Discovery) -> None:
    failures = Failures()
    for model in reasoners(discovery, api):
        extra = reasoning_extra(model)
        extra["reasoning"] = {**(extra.get("reasoning") or {}), "summary": "auto"}
        body = response_body(model, "Is 17 a prime number? Answer briefly.", **extra)
        with failures.check(f"{model['owned_by']}/{model['id']} non-stream"):
            answer = _ok(create(api, body))
            checks.reasoning_before_message(answer["output"], summarized=True)
            checks.reasoning_summary(answer["output"])
        with failures.check(f"{model['owned_by']}/{model['id']} stream"):
            result = stream_responses(api, body)
            checks.event_sequence(result.payloads)
            final = checks.final_matches_events(result.payloads)
            checks.reasoning_summary(checks.built_output(result.payloads))
            checks.reasoning_summary(final.get("output") or [])
    failures.raise_any()


# ----- errors ----------------------------------------------------------------------------------------


def _input(text: str) -> dict[str, Any]:
    return {"input": text}


ERROR_CASES: dict[str, ErrorCase] = {
    "400-malformed-json": ErrorCase(400, None, cases.raw(b'{"model": "x", "input": '), stream_too=False,
                                    code="invalid_json", type="invalid_request_error"),
    "400-missing-input": ErrorCase(400, None, cases.without("input"), code="missing_parameter",
                                   type="invalid_request_error", param="input"),
    "401-unknown-key": ErrorCase(401, None, cases.unknown_key, code="invalid_api_key", type="authentication_error"),
    "401-missing-key": ErrorCase(401, None, cases.missing_key, code="missing_api_key", type="authentication_error"),
    "404-unknown-model": ErrorCase(404, None, cases.unknown_model, code="model_not_found", type="not_found_error"),
    "402-zero-credits": ErrorCase(402, "zero_credit_key", cases.with_key, code="insufficient_credits",
                                  type="billing_error"),
    "413-body-too-large": ErrorCase(413, "contract", cases.oversized(_input), stream_too=False, decision="body_size_413",
                                    code="request_too_large", type="invalid_request_error"),
    "429-rate-limited": ErrorCase(429, "rate_limited_key", cases.with_key, stream_too=False,
                                  code="rate_limit_exceeded", type="rate_limit_error"),
    "502-upstream-error": ErrorCase(502, "mock_upstreams", cases.fault("status:500", _input), code="upstream_error",
                                    decision="upstream_failure_status",
                                    type="api_error"),
    "503-upstream-overloaded": ErrorCase(503, "mock_upstreams", cases.fault("status:503", _input), decision="upstream_failure_status",
                                         code="model_unavailable", type="api_error"),
    "500-internal-error": ErrorCase(500, "test_hooks", cases.internal_error, stream_too=False, code="internal_error",
                                    decision="internal_error_envelope",
                                    type="api_error"),
}


@pytest.mark.parametrize("case", list(ERROR_CASES))
@pytest.mark.rule("openai_error_envelope", "error_code", "body_size_413", "upstream_failure_status",
                  "internal_error_envelope")
def test_errors_in_openai_envelope(api: ApiClient, contract: Contract, discovery: Discovery, target: Target,
                                   recorder: Recorder, request: pytest.FixtureRequest, case: str) -> None:
    spec = ERROR_CASES[case]
    value = spec.fixture_value(request)
    model = plain_model(discovery, api)

    def envelope(response: httpx.Response) -> None:
        error = errors.openai_error(response, contract, status=spec.status, code=spec.code, type=spec.type)
        if spec.param is not None:
            holds("error_param", bool(error.get("param") == spec.param),
                  f"param should name {spec.param!r}, got {error.get('param')!r}")

    cases.check_error_case(spec, spec.build(response_body(model, max_output_tokens=16), value), create, envelope,
                           api=api, target=target, contract=contract, recorder=recorder)


# ----- malformed requests ----------------------------------------------------------------------------


def _valid(model: str) -> dict[str, Any]:
    return response_body(model, "Hello", max_output_tokens=16)


_BODY = cases.Variants(_valid)
_with, _without = _BODY.with_, _BODY.without


FN = {"type": "function", "name": "get_weather", "parameters": {"type": "object", "properties": {}}}
MALFORMED: dict[str, Callable[[str], Any]] = {
    **cases.NOT_JSON,
    "content-type-text-plain": _BODY.as_text_plain(),
    "content-type-form": lambda m: (b"model=" + m.encode() + b"&input=hello", "application/x-www-form-urlencoded"),
    "input-missing": _without("input"),
    "input-null": _with(input=None),
    "input-int": _with(input=42),
    "input-empty-list": _with(input=[]),
    "input-int-item": _with(input=[123]),
    "input-empty-object": _with(input=[{}]),
    "input-role-invalid": _with(input=[{"role": "wizard", "content": "hi"}]),
    "input-content-int": _with(input=[{"role": "user", "content": 7}]),
    "input-part-unknown-type": _with(input=[{"role": "user", "content": [{"type": "hologram", "text": "hi"}]}]),
    "function-call-output-without-call-id": _with(input=[{"type": "function_call_output", "output": "sunny"}]),
    "model-missing": _without("model"),
    "model-int": _with(model=7),
    "max-output-tokens-zero": _with(max_output_tokens=0),
    "max-output-tokens-string": _with(max_output_tokens="ten"),
    "temperature-too-high": _with(temperature=5),
    "instructions-int": _with(instructions=3),
    "stream-string": _with(stream="yes"),
    "tools-not-a-list": _with(tools=FN),
    "tool-without-name": _with(tools=[{"type": "function", "parameters": {"type": "object"}}]),
    "tool-choice-undefined-function": _with(tools=[FN], tool_choice={"type": "function", "name": "nope"}),
    "tool-choice-without-tools": _with(tool_choice="required"),
    "tool-choice-unknown-mode": _with(tools=[FN], tool_choice="always"),
}


@pytest.mark.parametrize("case", list(MALFORMED))
@pytest.mark.rule("malformed_request_4xx", "not_a_server_error", "openai_error_envelope")
def test_malformed_requests_are_4xx(api: ApiClient, contract: Contract, discovery: Discovery, case: str) -> None:
    model = plain_model(discovery, api)

    def envelope(response: httpx.Response) -> None:
        errors.openai_error(response, contract, status=response.status_code)

    cases.check_malformed(api, create, case, MALFORMED[case](model["id"]), _valid(model["id"]), envelope)
