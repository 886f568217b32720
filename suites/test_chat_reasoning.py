"""Reasoning on Chat Completions (D-8): ``reasoning_content``, the "Thinking…" block and the switches
that remove it, the reasoning controls, reasoning tokens in usage, and ``reasoning_content`` sent back
(accepted on every model, kept on a tool-call turn through a multi-step tool loop).

Reasoning models are DeepSeek-style reasoners found in the catalog: they list ``reasoning_effort``,
``enable_thinking`` or ``thinking_budget``, or their id names a reasoner (``reasoner``, ``r1``).
"""

from __future__ import annotations

from typing import Any

import pytest

from suites import tools
from suites.chat import Failures, chat_body, complete, need, reasoning_on, served, stream_chat
from suites.checks import chat as checks
from suites.checks import expect
from suites.checks.behaviour import ok_json
from suites.client import ApiClient
from suites.discovery import Discovery, lacking, param, param_names
from suites.plugin import Target
from suites.rules import applies
from suites.tools import ASK

PROMPT = "Is 17 a prime number? Answer briefly."
WEATHER = tools.WEATHER.chat()
FLAGS = ["disable_formatting", "raw", "passthrough", "raw_response"]


def _reasoners(discovery: Discovery, api: ApiClient) -> list[dict[str, Any]]:
    models = [m for m in discovery.deepseek_style_reasoners() if served(api, m)]
    if not models:
        pytest.skip(lacking("DeepSeek-style reasoner it serves (reasoning_effort / enable_thinking / "
                            "thinking_budget in supported_parameters, or an id naming a reasoner)", "reasoning"))
    return models


def _body(model: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return chat_body(model, PROMPT, **{**reasoning_on(model), **extra})


def _answer(api: ApiClient, body: dict[str, Any]) -> dict[str, Any]:
    return ok_json("valid_request_200", complete(api, body))  # type: ignore[no-any-return]


def _no_reasoning_shown(rule: str, message_content: Any, reasoning: Any, where: str) -> None:
    expect(rule, not reasoning, f"{where}: no reasoning_content", reasoning)
    expect("non_empty_content", isinstance(message_content, str) and bool(message_content.strip()),
           f"{where}: an answer", message_content)
    expect(rule, not str(message_content).startswith("> **Thinking"), f"{where}: content without the Thinking block",
           message_content)


@pytest.mark.rule("reasoning_content_present", "stream_reasoning_content", "reasoning_before_content")
def test_reasoning_content_reported(api: ApiClient, discovery: Discovery) -> None:
    failures = Failures()
    for model in _reasoners(discovery, api):
        with failures.check(model["id"]):
            message = checks.assistant_message(_answer(api, _body(model)), finish="stop")
            reasoning = message.get("reasoning_content")
            expect("reasoning_content_present", isinstance(reasoning, str) and bool(reasoning.strip()),
                   "message.reasoning_content", reasoning)
            result = stream_chat(api, _body(model))
            expect("stream_reasoning_content", bool(result.reasoning.strip()), "delta.reasoning_content in the stream",
                   result.reasoning)
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
    expect("disable_formatting", not content.startswith("> **Thinking"), f"{flag}=true: content without the Thinking "
           "block", content)
    expect("disable_formatting", bool(raw.get("reasoning_content")), f"{flag}=true: the upstream's reasoning_content "
           "passed through", raw.get("reasoning_content"))

    streamed = stream_chat(api, _body(model, **{flag: True}))
    expect("disable_formatting", not streamed.content.startswith("> **Thinking"), f"{flag}=true (stream): content "
           "without the Thinking block", streamed.content)
    checks.reasoning_before_answer(streamed.chunks, "")

    # deterministic upstreams: the raw content is exactly the default content minus its D-8 block
    if target.mock_upstreams and applies("disable_formatting_same_answer"):
        default = checks.assistant_message(_answer(api, _body(model)), finish="stop")
        answer = checks.thinking_formatted(default.get("content"), default.get("reasoning_content"))
        expect("disable_formatting_same_answer", content == answer, f"the default content minus the block: "
               f"{answer!r:.120}", content)
        expect("disable_formatting_same_answer", streamed.content == answer, f"streamed, the default content minus "
               f"the block: {answer!r:.120}", streamed.content)


EXCLUDES: dict[str, tuple[str, dict[str, Any]]] = {"reasoning-exclude": ("reasoning", {"reasoning": {"exclude": True}}),
            "include_reasoning-false": ("include_reasoning", {"include_reasoning": False})}


@pytest.mark.parametrize("case", list(EXCLUDES))
@pytest.mark.rule("reasoning_exclude")
def test_reasoning_exclude(api: ApiClient, discovery: Discovery, case: str) -> None:
    name, extra = EXCLUDES[case]
    listing = [m for m in _reasoners(discovery, api) if name in param_names(m)]
    model = need(listing[0] if listing else None, f"reasoner listing {name} in supported_parameters")
    message = checks.assistant_message(_answer(api, _body(model, **extra)), finish="stop")
    _no_reasoning_shown("reasoning_exclude", message.get("content"), message.get("reasoning_content"),
                        f"{model['id']} {case}")
    result = stream_chat(api, _body(model, **extra))
    _no_reasoning_shown("reasoning_exclude", result.content, result.reasoning, f"{model['id']} {case} (stream)")
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
    expect("reasoning_controls", bool(on["choices"][0]["message"].get("reasoning_content")),
           f"{model['id']}: reasoning on to begin with", on["choices"][0]["message"])

    if name == "thinking_budget":
        spec = param(model, name) or {}
        budget = max(int(spec.get("minimum") or 1), 8)
        bounded = _answer(api, _body(model, thinking_budget=budget))
        tokens = _reasoning_tokens(bounded)
        expect("reasoning_controls", tokens is not None and 0 < tokens <= budget,
               f"thinking_budget {budget}: 0 < reasoning_tokens <= {budget}", tokens)
        return

    off_body = chat_body(model, PROMPT, **({"reasoning_effort": "none"} if name == "reasoning_effort"
                                           else {"enable_thinking": False}))
    off = _answer(api, off_body)
    message = checks.assistant_message(off, finish="stop")
    _no_reasoning_shown("reasoning_controls", message.get("content"), message.get("reasoning_content"),
                        f"{model['id']} {control}")
    expect("reasoning_controls", not _reasoning_tokens(off), f"{control}: no reasoning_tokens", _reasoning_tokens(off))


@pytest.mark.parametrize("kind", ["plain", "reasoner"])
@pytest.mark.rule("reasoning_history_accepted")
def test_reasoning_content_sent_back_is_accepted(api: ApiClient, discovery: Discovery, kind: str) -> None:
    if kind == "plain":
        model = need(discovery.plain_chat_model(), "chat model")
        extra: dict[str, Any] = {}
    else:
        model = _reasoners(discovery, api)[0]
        extra = reasoning_on(model)
    body = {"model": model["id"], **extra, "messages": [
        {"role": "user", "content": PROMPT},
        {"role": "assistant", "content": "Yes, 17 is prime.", "reasoning_content": "17 has no divisors but 1 and 17."},
        {"role": "user", "content": "And 21?"},
    ]}
    response = complete(api, body)
    expect("reasoning_history_accepted", response.status_code == 200,
           f"{model['id']}: reasoning_content on messages[1] is accepted", response.text[:300])
    checks.assistant_message(response.json(), finish="stop")


def _tool_reasoners(discovery: Discovery, api: ApiClient) -> list[dict[str, Any]]:
    """One reasoner that calls tools per provider, those with a reasoning control (thinking mode switched
    on by the request) first."""
    calling = {m["id"] for m in discovery.tool_models()}
    chosen: dict[str, dict[str, Any]] = {}
    for model in sorted(_reasoners(discovery, api), key=lambda m: not reasoning_on(m)):
        if model["id"] in calling:
            chosen.setdefault(str(model.get("owned_by", "")), model)
    if not chosen:
        pytest.skip(lacking("DeepSeek-style reasoner that calls tools", "reasoning"))
    return [chosen[k] for k in sorted(chosen)]


@pytest.mark.parametrize("stream", [False, True], ids=["non-stream", "stream"])
@pytest.mark.rule("reasoning_tool_loop", "reasoning_history_accepted")
def test_reasoning_tool_loop_step_two(api: ApiClient, discovery: Discovery, stream: bool) -> None:
    failures = Failures()
    for model in _tool_reasoners(discovery, api):
        with failures.check(model["id"]):
            first = _answer(api, chat_body(model, ASK, tools=[WEATHER], **reasoning_on(model)))
            message = checks.assistant_message(first, finish="tool_calls", text=False)
            calls = message.get("tool_calls") or []
            expect("reasoning_tool_loop", bool(calls), "step 1: a tool call", message)
            expect("reasoning_tool_loop", bool(message.get("reasoning_content")), "step 1: reasoning_content beside "
                   "the tool call", message)
            turn = {"role": "assistant", "content": message.get("content"), "tool_calls": calls,
                    "reasoning_content": message["reasoning_content"]}
            body = chat_body(model, ASK, tools=[WEATHER], **reasoning_on(model))
            body["messages"] += [turn] + [{"role": "tool", "tool_call_id": c["id"], "content": "Sunny, 21 degrees"}
                                          for c in calls]
            if stream:
                result = stream_chat(api, body)
                expect("reasoning_tool_loop", bool(result.content.strip()), "step 2 (stream): an answer",
                       result.text[:300])
                expect("reasoning_tool_loop", result.finish_reasons[-1:] == ["stop"],
                       "step 2 (stream): finish_reason stop", result.finish_reasons)
            else:
                response = complete(api, body)
                expect("reasoning_tool_loop", response.status_code == 200, "step 2: the tool result with the "
                       "reasoning turn is answered", response.text[:300])
                checks.assistant_message(response.json(), finish="stop")
    failures.raise_any()


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
            expect("reasoning_tokens_reported", tokens is not None and 0 < tokens <= usage["completion_tokens"],
                   f"0 < reasoning_tokens <= completion_tokens {usage['completion_tokens']}", tokens)
        with failures.check(f"{model['id']} stream"):
            result = stream_chat(api, _body(model, stream_options={"include_usage": True}))
            usage = checks.usage_chunk_last(result.data, result.payloads)
            tokens = (usage.get("completion_tokens_details") or {}).get("reasoning_tokens")
            expect("reasoning_tokens_reported", isinstance(tokens, int) and 0 < tokens <= usage["completion_tokens"],
                   f"stream usage: 0 < reasoning_tokens <= completion_tokens {usage['completion_tokens']}", tokens)
    failures.raise_any()
