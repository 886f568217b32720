"""Reasoning on Chat Completions (D-8): ``reasoning_content``, the "Thinking…" block and the switches
that remove it, the reasoning controls, reasoning tokens in usage, and ``reasoning_content`` sent back.

Reasoning models are DeepSeek-style reasoners found in the catalog: they list ``reasoning_effort``,
``enable_thinking`` or ``thinking_budget``, or their id names a reasoner (``reasoner``, ``r1``).
"""

from __future__ import annotations

from typing import Any

import pytest

from suites.chat import Failures, chat_body, complete, need, reasoning_on, served, stream_chat
from suites.checks import chat as checks
from suites.checks import errors
from suites.client import ApiClient
from suites.contract import Contract
from suites.discovery import Discovery, param, param_names
from suites.plugin import Target

PROMPT = "Is 17 a prime number? Answer briefly."
FLAGS = ["disable_formatting", "raw", "passthrough", "raw_response"]


def _reasoners(discovery: Discovery, api: ApiClient) -> list[dict[str, Any]]:
    models = [m for m in discovery.deepseek_style_reasoners() if served(api, m)]
    if not models:
        pytest.skip("the deployment's catalog lists no DeepSeek-style reasoner it serves (reasoning_effort / "
                    "enable_thinking / thinking_budget in supported_parameters, or an id naming a reasoner)")
    return models


def _body(model: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return chat_body(model, PROMPT, **{**reasoning_on(model), **extra})


def _answer(api: ApiClient, body: dict[str, Any]) -> dict[str, Any]:
    response = complete(api, body)
    assert response.status_code == 200, f"{response.status_code}: {response.text[:300]!r}"
    return response.json()  # type: ignore[no-any-return]


def _no_reasoning_shown(message_content: Any, reasoning: Any, where: str) -> None:
    assert not reasoning, f"{where}: reasoning_content {reasoning!r:.120} should be absent"
    assert isinstance(message_content, str) and message_content.strip(), f"{where}: no answer ({message_content!r:.80})"
    assert not message_content.startswith("> **Thinking"), f"{where}: content still carries the Thinking block"


@pytest.mark.rule("reasoning_content_present", "stream_reasoning_content", "reasoning_before_content")
def test_reasoning_content_reported(api: ApiClient, discovery: Discovery) -> None:
    failures = Failures()
    for model in _reasoners(discovery, api):
        with failures.check(model["id"]):
            message = checks.assistant_message(_answer(api, _body(model)), finish="stop")
            reasoning = message.get("reasoning_content")
            assert isinstance(reasoning, str) and reasoning.strip(), f"message.reasoning_content is {reasoning!r:.80}"
            result = stream_chat(api, _body(model))
            assert result.reasoning.strip(), "no delta.reasoning_content in the stream"
            block = checks.render_thinking(result.reasoning) if result.content.startswith(checks.THINKING_HEADER) else ""
            checks.reasoning_before_answer(result.chunks, block)
    failures.raise_any()


@pytest.mark.rule("thinking_block_header", "thinking_block_matches_reasoning", "thinking_block_answer")
def test_thinking_block_formatting(api: ApiClient, discovery: Discovery) -> None:
    failures = Failures()
    for model in _reasoners(discovery, api):
        with failures.check(f"{model['id']} non-stream"):
            message = checks.assistant_message(_answer(api, _body(model)), finish="stop")
            checks.thinking_formatted(message.get("content"), message.get("reasoning_content"))
        with failures.check(f"{model['id']} stream"):
            result = stream_chat(api, _body(model))
            checks.thinking_formatted(result.content, result.reasoning)
            checks.one_finish_reason(result.chunks, expected="stop")
    failures.raise_any()


@pytest.mark.parametrize("flag", FLAGS)
@pytest.mark.rule("disable_formatting", "disable_formatting_same_answer")
def test_disable_formatting_returns_raw_content(api: ApiClient, discovery: Discovery, target: Target, flag: str) -> None:
    model = _reasoners(discovery, api)[0]
    raw = checks.assistant_message(_answer(api, _body(model, **{flag: True})), finish="stop")
    content = raw.get("content") or ""
    assert not content.startswith("> **Thinking"), f"{flag}=true: content still starts with the Thinking block"
    assert raw.get("reasoning_content"), f"{flag}=true passes reasoning_content through; it is {raw.get('reasoning_content')!r}"

    streamed = stream_chat(api, _body(model, **{flag: True}))
    assert not streamed.content.startswith("> **Thinking"), f"{flag}=true (stream): content starts with the Thinking block"
    checks.reasoning_before_answer(streamed.chunks, "")

    if target.mock_upstreams:  # deterministic: the raw content is exactly the default content minus its block
        default = checks.assistant_message(_answer(api, _body(model)), finish="stop")
        answer = checks.thinking_formatted(default.get("content"), default.get("reasoning_content"))
        assert content == answer, f"{flag}=true content {content!r:.160} != default content minus the block {answer!r:.160}"
        assert streamed.content == answer, f"{flag}=true streamed content {streamed.content!r:.160} != {answer!r:.160}"


EXCLUDES: dict[str, tuple[str, dict[str, Any]]] = {"reasoning-exclude": ("reasoning", {"reasoning": {"exclude": True}}),
            "include_reasoning-false": ("include_reasoning", {"include_reasoning": False})}


@pytest.mark.parametrize("case", list(EXCLUDES))
@pytest.mark.rule("reasoning_exclude")
def test_reasoning_exclude(api: ApiClient, discovery: Discovery, case: str) -> None:
    name, extra = EXCLUDES[case]
    listing = [m for m in _reasoners(discovery, api) if name in param_names(m)]
    model = need(listing[0] if listing else None, f"reasoner listing {name} in supported_parameters")
    message = checks.assistant_message(_answer(api, _body(model, **extra)), finish="stop")
    _no_reasoning_shown(message.get("content"), message.get("reasoning_content"), f"{model['id']} {case}")
    result = stream_chat(api, _body(model, **extra))
    _no_reasoning_shown(result.content, result.reasoning, f"{model['id']} {case} (stream)")
    checks.one_finish_reason(result.chunks, expected="stop")


def _reasoning_tokens(body: dict[str, Any]) -> int | None:
    value = ((body.get("usage") or {}).get("completion_tokens_details") or {}).get("reasoning_tokens")
    return value if isinstance(value, int) else None


CONTROLS = ["reasoning_effort-none", "enable_thinking-false", "thinking_budget-small"]


@pytest.mark.parametrize("control", CONTROLS)
@pytest.mark.rule("reasoning_controls")
def test_reasoning_controls_change_output(api: ApiClient, discovery: Discovery, control: str) -> None:
    name = control.split("-")[0]
    candidates = [m for m in _reasoners(discovery, api) if name in param_names(m)]
    if name == "reasoning_effort":
        candidates = [m for m in candidates if "none" in ((param(m, name) or {}).get("enum") or ["none"])]
    model = need(candidates[0] if candidates else None, f"reasoner listing {name} in supported_parameters")

    on = _answer(api, _body(model))
    assert on["choices"][0]["message"].get("reasoning_content"), f"{model['id']}: reasoning is not on to begin with"

    if name == "thinking_budget":
        spec = param(model, name) or {}
        budget = max(int(spec.get("minimum") or 1), 8)
        bounded = _answer(api, _body(model, thinking_budget=budget))
        tokens = _reasoning_tokens(bounded)
        assert tokens is not None, "usage.completion_tokens_details.reasoning_tokens is not reported"
        assert 0 < tokens <= budget, f"thinking_budget {budget}: reasoning_tokens {tokens}"
        return

    off_body = chat_body(model, PROMPT, **({"reasoning_effort": "none"} if name == "reasoning_effort"
                                           else {"enable_thinking": False}))
    off = _answer(api, off_body)
    message = checks.assistant_message(off, finish="stop")
    _no_reasoning_shown(message.get("content"), message.get("reasoning_content"), f"{model['id']} {control}")
    assert not _reasoning_tokens(off), f"{control}: reasoning_tokens {_reasoning_tokens(off)} (reasoning should be off)"


@pytest.mark.parametrize("kind", ["plain", "reasoner"])
@pytest.mark.rule("reasoning_content_round_trip_400")
def test_reasoning_content_sent_back_is_400(api: ApiClient, contract: Contract, discovery: Discovery, kind: str) -> None:
    if kind == "plain":
        model = need(discovery.plain_chat_model(), "chat model")
    else:
        model = _reasoners(discovery, api)[0]
    body = {"model": model["id"], "messages": [
        {"role": "user", "content": PROMPT},
        {"role": "assistant", "content": "Yes, 17 is prime.", "reasoning_content": "17 has no divisors but 1 and 17."},
        {"role": "user", "content": "And 21?"},
    ]}
    error = errors.openai_error(complete(api, body), contract, status=400, code="invalid_parameter",
                                type="invalid_request_error")
    assert error["param"] == "messages[1].reasoning_content", \
        f"param should be messages[1].reasoning_content (D-8), got {error['param']!r}"


@pytest.mark.rule("thinking_block_history")
def test_thinking_block_in_history_is_accepted(api: ApiClient, discovery: Discovery) -> None:
    model = _reasoners(discovery, api)[0]
    first = checks.assistant_message(_answer(api, _body(model)), finish="stop")
    body = {"model": model["id"], **reasoning_on(model), "messages": [
        {"role": "user", "content": PROMPT},
        {"role": "assistant", "content": first["content"]},
        {"role": "user", "content": "And 21?"},
    ]}
    checks.assistant_message(_answer(api, body), finish="stop")


@pytest.mark.rule("reasoning_tokens_reported", "reasoning_within_completion")
def test_reasoning_tokens_in_usage(api: ApiClient, discovery: Discovery) -> None:
    failures = Failures()
    for model in _reasoners(discovery, api):
        with failures.check(f"{model['id']} non-stream"):
            body = _answer(api, _body(model))
            usage = checks.usage_adds_up(body["usage"], cost=False)
            tokens = _reasoning_tokens(body)
            assert tokens is not None and 0 < tokens <= usage["completion_tokens"], \
                f"reasoning_tokens {tokens} should be > 0 and <= completion_tokens {usage['completion_tokens']}"
        with failures.check(f"{model['id']} stream"):
            result = stream_chat(api, _body(model, stream_options={"include_usage": True}))
            usage = checks.usage_chunk_last(result.data, result.payloads)
            tokens = (usage.get("completion_tokens_details") or {}).get("reasoning_tokens")
            assert isinstance(tokens, int) and 0 < tokens <= usage["completion_tokens"], \
                f"stream usage: reasoning_tokens {tokens} should be > 0 and <= completion_tokens {usage['completion_tokens']}"
    failures.raise_any()
