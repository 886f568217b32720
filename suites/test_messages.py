"""Anthropic Messages (``POST /v1/messages``), non-stream: answers per provider, request forms, limits,
stop sequences, reasoning as ``thinking`` blocks (D-8), and every error in the Anthropic envelope (D-2).

Each per-provider check runs on one model per ``owned_by`` that serves /v1/messages; upstream faults are
injected with the mocks' ``[[mock:...]]`` directives, so those checks need ``--mock-upstreams``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from suites import error_cases as cases
from suites.anthropic_stream import (
    create,
    message_body,
    per_provider,
    plain_model,
    reasoners,
    reasoning_extra,
    stream_messages,
)
from suites.checks import chat as leaks
from suites.checks import errors, holds
from suites.checks import messages as checks
from suites.client import ApiClient
from suites.contract import Contract
from suites.discovery import Discovery
from suites.error_cases import ErrorCase
from suites.plugin import Target
from suites.recorder import Recorder
from suites.selection import Failures
from suites.upstreams import not_forwarded

LONG = "Write a long story about a lighthouse keeper and the sea."


def _ok(response: Any) -> dict[str, Any]:
    holds("valid_request_200", bool(response.status_code == 200),
          f"{response.status_code}: {response.text[:300]!r}")
    return response.json()  # type: ignore[no-any-return]


@pytest.mark.rule("message_object", "messages_assistant_role", "stop_reason", "text_block", "messages_usage_positive", "model_echoed")
def test_message_per_provider(api: ApiClient, discovery: Discovery) -> None:
    failures = Failures()
    for model in per_provider(discovery, api):
        with failures.check(f"{model['owned_by']}/{model['id']}"):
            response = create(api, message_body(model))
            message = _ok(response)
            checks.message_answer(message, model["id"], stop_reason="end_turn")
            checks.usage_positive(message["usage"])
            holds("stop_reason", bool(message["stop_sequence"] is None),
                  f"stop_sequence {message['stop_sequence']!r} on an end_turn answer")
            leaks.no_leaks(response.headers)
    failures.raise_any()


@pytest.mark.parametrize("variant", ["with-version", "without-version", "with-beta"])
@pytest.mark.rule("messages_anthropic_version_optional")
def test_anthropic_version_header_accepted(api: ApiClient, discovery: Discovery, variant: str) -> None:
    model = plain_model(discovery, api)
    headers: dict[str, str | bytes] = {"anthropic-beta": "prompt-caching-2024-07-31"} if variant == "with-beta" else {}
    response = create(api, message_body(model), version=variant != "without-version", headers=headers)
    checks.message_answer(_ok(response), model["id"])


USER_FORMS: dict[str, Any] = {
    "string": "Name three colours of the rainbow.",
    "one-text-block": [{"type": "text", "text": "Name three colours of the rainbow."}],
    "two-text-blocks": [{"type": "text", "text": "Name three colours"}, {"type": "text", "text": "of the rainbow."}],
}
SYSTEM = "You are a terse assistant. Answer in as few words as possible, always in English."


@pytest.mark.parametrize("system", ["no-system", "system-string", "system-blocks"])
@pytest.mark.parametrize("form", list(USER_FORMS))
@pytest.mark.rule("messages_content_forms")
def test_string_and_block_content(api: ApiClient, discovery: Discovery, target: Target, form: str,
                                  system: str) -> None:
    model = plain_model(discovery, api)
    body: dict[str, Any] = {"model": model["id"], "max_tokens": 1024,
                            "messages": [{"role": "user", "content": USER_FORMS[form]}]}
    if system == "system-string":
        body["system"] = SYSTEM
    elif system == "system-blocks":
        body["system"] = [{"type": "text", "text": SYSTEM}]
    message = _ok(create(api, body))
    text = checks.message_answer(message, model["id"])
    checks.usage_positive(message["usage"])
    if target.mock_upstreams:  # the mock quotes the last user text: every word of it reached the model, as a word
        missing = [w for w in ("three", "colours", "of", "rainbow") if not re.search(rf"\b{w}\b", text)]
        holds("messages_content_forms", not missing,
              f"the user's words {missing} did not reach the model as words — text blocks glued " f"together? (reply {text[:120]!r})")
    if system != "no-system":  # the system prompt reaches the model: it costs input tokens
        bare = _ok(create(api, {k: v for k, v in body.items() if k != "system"}))
        holds("messages_content_forms", bool(message["usage"]["input_tokens"] > bare["usage"]["input_tokens"]),
              f"input_tokens with a system prompt ({message['usage']['input_tokens']}) should exceed those without " f"({bare['usage']['input_tokens']}): the system prompt did not reach the model")
    if target.mock_upstreams and form == "one-text-block":  # deterministic: same as the string form
        plain = _ok(create(api, {**body, "messages": [{"role": "user", "content": USER_FORMS["string"]}]}))
        holds("messages_content_forms", bool(checks.text_of(plain) == text),
              "one text block and the same text as a string got different answers")


@pytest.mark.parametrize("stream", [False, True], ids=["non-stream", "stream"])
@pytest.mark.rule("messages_max_tokens_required", "anthropic_error_envelope")
def test_max_tokens_required(api: ApiClient, contract: Contract, discovery: Discovery, stream: bool) -> None:
    model = plain_model(discovery, api)
    body: dict[str, Any] = {"model": model["id"], "messages": [{"role": "user", "content": "Hello"}]}
    if stream:
        body["stream"] = True
    response = create(api, body)
    error = errors.anthropic_error(response, contract, status=400)
    holds("anthropic_error_type", bool(error["type"] == "invalid_request_error"),
          str(error))
    not_forwarded(response)


@pytest.mark.rule("stop_reason")
def test_max_tokens_reached(api: ApiClient, discovery: Discovery) -> None:
    failures = Failures()
    for model in per_provider(discovery, api):
        thinks = bool((model.get("capabilities") or {}).get("thinking"))
        with failures.check(f"{model['owned_by']}/{model['id']} non-stream"):
            message = _ok(create(api, message_body(model, LONG, max_tokens=3)))
            checks.message_answer(message, model["id"], stop_reason="max_tokens", text=False)
            if not thinks:
                holds("max_tokens_bound", bool(message["usage"]["output_tokens"] <= 3),
                      f"output_tokens {message['usage']['output_tokens']} > max_tokens 3")
        with failures.check(f"{model['owned_by']}/{model['id']} stream"):
            result = stream_messages(api, message_body(model, LONG, max_tokens=3))
            checks.event_order(result.names, result.payloads)
            delta = checks.message_delta_rules(result.payloads, expected="max_tokens")
            if not thinks:
                holds("max_tokens_bound", bool(delta["usage"]["output_tokens"] <= 3),
                      f"output_tokens {delta['usage']['output_tokens']} > max_tokens 3")
    failures.raise_any()


@pytest.mark.rule("messages_stop_sequences")
def test_stop_sequences(api: ApiClient, discovery: Discovery, target: Target) -> None:
    """A stop sequence that occurs in the reply ends it: ``stop_reason: stop_sequence`` naming it.

    On mock upstreams the reply is known ("Mock reply to: …"), so ``reply`` must stop it right after
    "Mock "; elsewhere the model's words are not known and only the consistency of the answer is checked.
    """
    stop, prompt = ("reply", "Say hello.") if target.mock_upstreams else ("5", "Count from 1 to 10, separated by spaces.")
    failures = Failures()
    for model in per_provider(discovery, api):
        body = message_body(model, prompt, stop_sequences=[stop, "NEVER-OCCURS-7f3a"])
        with failures.check(f"{model['owned_by']}/{model['id']} non-stream"):
            message = _ok(create(api, body))
            text = checks.message_answer(message, model["id"], stop_reason=None, text=False)
            if target.mock_upstreams:
                holds("messages_stop_sequences", bool(message["stop_reason"] == "stop_sequence"),
                      f"stop_reason {message['stop_reason']!r}, expected stop_sequence (text {text!r:.80})")
                holds("messages_stop_sequences", bool(message["stop_sequence"] == stop),
                      f"stop_sequence {message['stop_sequence']!r}, expected {stop!r}")
                holds("messages_stop_sequences", bool(text == "Mock "),
                      f"the answer should stop right before {stop!r}: {text!r:.120}")
            elif message["stop_reason"] == "stop_sequence":
                holds("messages_stop_sequences", bool(message["stop_sequence"] in (stop, "NEVER-OCCURS-7f3a")),
                      f"stop_sequence {message['stop_sequence']!r}")
            holds("messages_stop_sequences", bool(stop not in text),
                  f"the text still contains the stop sequence {stop!r}: {text!r:.120}")
        with failures.check(f"{model['owned_by']}/{model['id']} stream"):
            result = stream_messages(api, body)
            checks.event_order(result.names, result.payloads)
            delta = checks.message_delta_rules(result.payloads)
            if target.mock_upstreams:
                holds("messages_stop_sequences", bool(delta["delta"].get("stop_reason") == "stop_sequence"),
                      f"message_delta {delta['delta']!r}")
                holds("messages_stop_sequences", bool(delta["delta"].get("stop_sequence") == stop),
                      f"message_delta {delta['delta']!r}")
                holds("messages_stop_sequences", bool(result.text == "Mock "),
                      f"the streamed text should stop right before {stop!r}: {result.text!r:.120}")
            holds("messages_stop_sequences", bool(stop not in result.text),
                  f"the streamed text contains the stop sequence {stop!r}")
    failures.raise_any()


@pytest.mark.rule("thinking_block", "thinking_before_text", "thinking_signature", "no_thinking_markdown")
def test_reasoning_as_thinking_blocks(api: ApiClient, discovery: Discovery) -> None:
    failures = Failures()
    for model in reasoners(discovery, api):
        body = message_body(model, "Is 17 a prime number? Answer briefly.", **reasoning_extra(model))
        with failures.check(f"{model['owned_by']}/{model['id']} non-stream"):
            message = _ok(create(api, body))
            text = checks.message_answer(message, model["id"], stop_reason="end_turn")
            checks.thinking_before_text(message["content"])
            checks.no_thinking_markdown(text)
        with failures.check(f"{model['owned_by']}/{model['id']} stream"):
            result = stream_messages(api, body)
            checks.event_order(result.names, result.payloads)
            blocks = checks.blocks_in_order(result.payloads)
            checks.thinking_before_text(blocks)
            checks.no_thinking_markdown(result.text)
    failures.raise_any()


# ----- errors ----------------------------------------------------------------------------------------


def _user(text: str) -> dict[str, Any]:
    return {"messages": [{"role": "user", "content": text}]}


ERROR_CASES: dict[str, ErrorCase] = {
    "400-malformed-json": ErrorCase(400, None, cases.raw(b'{"model": "x", "messages": ['), stream_too=False),
    "400-missing-messages": ErrorCase(400, None, cases.without("messages")),
    "401-unknown-key": ErrorCase(401, None, cases.unknown_key),
    "401-missing-key": ErrorCase(401, None, cases.missing_key),
    "404-unknown-model": ErrorCase(404, None, cases.unknown_model),
    "402-zero-credits": ErrorCase(402, "zero_credit_key", cases.with_key),
    "413-body-too-large": ErrorCase(413, "contract", cases.oversized(_user), stream_too=False, decision="body_size_413"),
    "429-rate-limited": ErrorCase(429, "rate_limited_key", cases.with_key, stream_too=False),
    "502-upstream-error": ErrorCase(502, "mock_upstreams", cases.fault("status:500", _user), decision="upstream_failure_status"),
    "503-upstream-overloaded": ErrorCase(503, "mock_upstreams", cases.fault("status:503", _user), decision="upstream_failure_status"),
    "500-internal-error": ErrorCase(500, "test_hooks", cases.internal_error, stream_too=False, decision="internal_error_envelope"),
}
TYPE_BY_STATUS = {**errors.ANTHROPIC_TYPE_BY_STATUS, 502: "api_error", 503: "overloaded_error"}


@pytest.mark.parametrize("case", list(ERROR_CASES))
@pytest.mark.rule("anthropic_error_envelope", "anthropic_error_type", "body_size_413", "upstream_failure_status",
                  "internal_error_envelope")
def test_errors_in_anthropic_envelope(api: ApiClient, contract: Contract, discovery: Discovery, target: Target,
                                      recorder: Recorder, request: pytest.FixtureRequest, case: str) -> None:
    spec = ERROR_CASES[case]
    value = spec.fixture_value(request)
    model = plain_model(discovery, api)

    def envelope(response: httpx.Response) -> None:
        error = errors.anthropic_error(response, contract, status=spec.status)
        holds("anthropic_error_type", bool(error["type"] == TYPE_BY_STATUS[spec.status]),
              f"status {spec.status} needs error.type {TYPE_BY_STATUS[spec.status]!r}, got {error['type']!r}")

    cases.check_error_case(spec, spec.build(message_body(model, max_tokens=16), value), create, envelope,
                           api=api, target=target, contract=contract, recorder=recorder)


# ----- malformed requests ----------------------------------------------------------------------------


def _valid(model: str) -> dict[str, Any]:
    return message_body(model, "Hello", max_tokens=16)


_BODY = cases.Variants(_valid)
_with, _without = _BODY.with_, _BODY.without


def _turns(*messages: Any) -> Callable[[str], Any]:
    return lambda m: {**_valid(m), "messages": list(messages)}


TOOL = {"name": "get_weather", "description": "Weather.", "input_schema": {"type": "object", "properties": {}}}
MALFORMED: dict[str, Callable[[str], Any]] = {
    **cases.NOT_JSON,
    "body-json-string": lambda m: b'"hello"',
    "content-type-text-plain": _BODY.as_text_plain(),
    "content-type-form": lambda m: (b"model=" + m.encode() + b"&max_tokens=16", "application/x-www-form-urlencoded"),
    "messages-null": _with(messages=None),
    "messages-string": _with(messages="hello"),
    "messages-empty": _with(messages=[]),
    "messages-int-item": _with(messages=[123]),
    "messages-empty-object": _with(messages=[{}]),
    "role-system-in-messages": _turns({"role": "system", "content": "hi"}),
    "role-invalid": _turns({"role": "wizard", "content": "hi"}),
    "content-int": _turns({"role": "user", "content": 123}),
    "content-missing": _turns({"role": "user"}),
    "block-unknown-type": _turns({"role": "user", "content": [{"type": "hologram", "data": "x"}]}),
    "text-block-without-text": _turns({"role": "user", "content": [{"type": "text"}]}),
    "image-block-without-source": _turns({"role": "user", "content": [{"type": "image"}]}),
    "tool-result-without-id": _turns({"role": "user", "content": [{"type": "tool_result", "content": "x"}]}),
    "model-missing": _without("model"),
    "model-int": _with(model=123),
    "max-tokens-zero": _with(max_tokens=0),
    "max-tokens-negative": _with(max_tokens=-5),
    "max-tokens-string": _with(max_tokens="ten"),
    "temperature-above-1": _with(temperature=1.5),
    "system-int": _with(system=42),
    "stop-sequences-string": _with(stop_sequences="STOP"),
    "stream-string": _with(stream="yes"),
    "tools-not-a-list": _with(tools={"name": "x"}),
    "thinking-budget-string": _with(thinking={"type": "enabled", "budget_tokens": "lots"}),
    "tool-choice-string": _with(tools=[TOOL], tool_choice="auto"),
}


@pytest.mark.parametrize("case", list(MALFORMED))
@pytest.mark.rule("malformed_request_4xx", "not_a_server_error", "anthropic_error_envelope")
def test_malformed_requests_are_4xx(api: ApiClient, contract: Contract, discovery: Discovery, case: str) -> None:
    model = plain_model(discovery, api)

    def envelope(response: httpx.Response) -> None:
        error = errors.anthropic_error(response, contract, status=response.status_code)
        holds("anthropic_error_type", bool(error["type"] == TYPE_BY_STATUS.get(response.status_code, error["type"])),
              str(error))

    cases.check_malformed(api, create, case, MALFORMED[case](model["id"]), _valid(model["id"]), envelope)
