"""Anthropic Messages tool use: every ``tool_choice`` mode, streamed ``input_json_delta`` fragments,
parallel ``tool_use`` blocks, ``tool_result`` round trips (plain, ``is_error``, mixed with text, after a
reasoning model's signed ``thinking`` turn) and invalid tool requests. Each check runs on one tool-capable model per provider."""

from __future__ import annotations

from typing import Any

import pytest

from suites import tools
from suites.anthropic_stream import (
    MESSAGES,
    create,
    message_body,
    per_provider,
    plain_model,
    reasoning_extra,
    stream_messages,
    tool_models,
)
from suites.checks import errors, holds
from suites.checks import messages as checks
from suites.client import ApiClient
from suites.contract import Contract
from suites.discovery import Discovery, param_names
from suites.plugin import Target
from suites.selection import Failures, owner_first
from suites.tools import ASK
from suites.upstreams import not_forwarded

WEATHER = tools.WEATHER.messages()
TIME = tools.TIME.messages()
CHOICES: dict[str, dict[str, Any]] = {
    "auto": {"type": "auto"},
    "any": {"type": "any"},
    "tool": {"type": "tool", "name": "get_weather"},
}


def _message(api: ApiClient, body: dict[str, Any], stream: bool) -> dict[str, Any]:
    """The message of one request: the non-stream body, or the message a stream builds (its blocks,
    checked for order, and the message_delta's stop reason)."""
    if not stream:
        response = create(api, body)
        holds("valid_request_200", bool(response.status_code == 200),
              f"{response.status_code}: {response.text[:300]!r}")
        return response.json()  # type: ignore[no-any-return]
    result = stream_messages(api, body)
    checks.event_order(result.names, result.payloads)
    blocks = checks.blocks_in_order(result.payloads)
    delta = checks.message_delta_rules(result.payloads)
    return {"type": "message", "role": "assistant", "content": blocks, "stop_reason": delta["delta"]["stop_reason"],
            "model": body["model"]}


@pytest.mark.parametrize("stream", [False, True], ids=["non-stream", "stream"])
@pytest.mark.parametrize("mode", list(CHOICES))
@pytest.mark.rule("messages_tool_choice", "tool_use_input_schema", "tool_use_known_tool")
def test_tool_use(api: ApiClient, discovery: Discovery, mode: str, stream: bool) -> None:
    failures = Failures()
    for model in tool_models(discovery, api):
        with failures.check(f"{model['owned_by']}/{model['id']}"):
            message = _message(api, message_body(model, ASK, tools=[WEATHER], tool_choice=CHOICES[mode]), stream)
            uses = checks.tool_uses(message)
            if mode == "auto" and not uses:  # the model may answer in text instead
                checks.message_answer(message, model["id"], stop_reason="end_turn")
                continue
            holds("messages_tool_choice", bool(uses),
                  f"tool_choice {mode}: no tool_use block (stop_reason {message.get('stop_reason')!r})")
            holds("messages_tool_choice", bool(message["stop_reason"] == "tool_use"),
                  f"stop_reason {message['stop_reason']!r} with tool_use blocks")
            checks.tool_inputs_valid(uses, [WEATHER])
            kinds = [b.get("type") for b in message["content"]]
            holds("messages_tool_choice", bool(kinds[-len(uses):] == ["tool_use"] * len(uses)),
                  f"tool_use blocks must come last: {kinds}")
    failures.raise_any()


def _call(tool_id: str = "toolu_01A09q90qw90lq917835lq9") -> dict[str, Any]:
    return {"type": "tool_use", "id": tool_id, "name": "get_weather", "input": {"location": "Paris", "unit": "celsius"}}


def _round_trip(model: dict[str, Any], result: dict[str, Any], *extra: dict[str, Any]) -> dict[str, Any]:
    call = _call()
    return message_body(model, ASK, tools=[WEATHER]) | {"messages": [
        {"role": "user", "content": ASK},
        {"role": "assistant", "content": [{"type": "text", "text": "I will call get_weather."}, call]},
        {"role": "user", "content": [{"type": "tool_result", "tool_use_id": call["id"], **result}, *extra]},
    ]}


_REDACTED = {"type": "redacted_thinking", "data": "EmwKAhgBEgy3va3pzix/LafPsn4aDFIT2Xlxh0L5L8rLVyIwxtE3rAFBa8cr3qpP"}


def _reasoning_tool_models(discovery: Discovery, api: ApiClient) -> list[dict[str, Any]]:
    """One model per provider that both reasons (``capabilities.thinking`` with a control /v1/messages can
    switch on) and calls tools."""
    controls = {"thinking", "reasoning_effort", "enable_thinking", "thinking_budget"}
    pool = [m for m in discovery.serving(MESSAGES) if discovery.calls_tools(m, MESSAGES)
            and (m.get("capabilities") or {}).get("thinking") and param_names(m) & controls]
    return per_provider(discovery, api, sorted(pool, key=lambda m: m["id"]), what="reasoning model that calls tools")


@pytest.mark.parametrize("stream", [False, True], ids=["non-stream", "stream"])
@pytest.mark.rule("thinking_history_accepted", "thinking_signature", "tool_round_trip")
def test_thinking_turn_sent_back(api: ApiClient, discovery: Discovery, stream: bool) -> None:
    failures = Failures()
    for model in _reasoning_tool_models(discovery, api):
        with failures.check(f"{model['owned_by']}/{model['id']}"):
            body = message_body(model, ASK, tools=[WEATHER], **reasoning_extra(model))
            first = _message(api, body, stream=False)
            thinking = [b for b in first["content"] if b.get("type") == "thinking"]
            uses = checks.tool_uses(first)
            holds("thinking_history_accepted", bool(thinking and uses),
                  f"step 1: a thinking block and a tool_use: {[b.get('type') for b in first['content']]}")
            holds("thinking_signature", all(isinstance(b.get("signature"), str) and b["signature"] for b in thinking),
                  "step 1: every thinking block is signed")
            body["messages"] += [
                {"role": "assistant", "content": [_REDACTED, *first["content"]]},
                {"role": "user", "content": [{"type": "tool_result", "tool_use_id": u["id"], "content": "Sunny, 21 degrees"}
                                             for u in uses]},
            ]
            checks.message_answer(_message(api, body, stream), model["id"], stop_reason="end_turn")
    failures.raise_any()


@pytest.mark.parametrize("form", ["string", "blocks"])
@pytest.mark.rule("tool_round_trip")
def test_tool_result_round_trip(api: ApiClient, discovery: Discovery, target: Target, form: str) -> None:
    content: Any = "Sunny, 21 degrees" if form == "string" else [{"type": "text", "text": "Sunny, 21 degrees"}]
    failures = Failures()
    for model in tool_models(discovery, api):
        with failures.check(f"{model['owned_by']}/{model['id']}"):
            message = _message(api, _round_trip(model, {"content": content}), stream=False)
            text = checks.message_answer(message, model["id"], stop_reason="end_turn")
            if target.mock_upstreams:  # the mock quotes the tool results it received
                holds("tool_round_trip", bool("Sunny" in text and "21" in text),
                      f"the tool result did not reach the model: {text[:160]!r}")
    failures.raise_any()


@pytest.mark.rule("tool_result_is_error")
def test_tool_result_is_error(api: ApiClient, discovery: Discovery, target: Target) -> None:
    failures = Failures()
    for model in tool_models(discovery, api):
        with failures.check(f"{model['owned_by']}/{model['id']}"):
            body = _round_trip(model, {"content": "Weather service unreachable", "is_error": True})
            message = _message(api, body, stream=False)
            text = checks.message_answer(message, model["id"], stop_reason="end_turn")
            if target.mock_upstreams:
                holds("tool_result_is_error", bool("unreachable" in text),
                      f"the failed tool result did not reach the model: {text[:160]!r}")
    failures.raise_any()


@pytest.mark.parametrize("stream", [False, True], ids=["non-stream", "stream"])
@pytest.mark.rule("tool_result_with_text")
def test_tool_result_mixed_with_text(api: ApiClient, discovery: Discovery, stream: bool) -> None:
    """A user turn holding tool_result blocks and a text block (Anthropic's own way to add a remark to
    tool results) is valid; translating it to other formats is where public gateways break."""
    failures = Failures()
    for model in tool_models(discovery, api):
        with failures.check(f"{model['owned_by']}/{model['id']}"):
            body = _round_trip(model, {"content": "Sunny, 21 degrees"},
                               {"type": "text", "text": "Thanks. Now answer in one short sentence."})
            message = _message(api, body, stream)
            holds("tool_result_with_text", bool(message["stop_reason"] in ("end_turn", "tool_use")),
                  f"stop_reason {message['stop_reason']!r}")
            holds("tool_result_with_text", bool(message["content"]),
                  "an empty answer")
            if message["stop_reason"] == "tool_use":
                checks.tool_inputs_valid(checks.tool_uses(message), [WEATHER])
            else:
                checks.message_answer(message, model["id"], stop_reason="end_turn")
    failures.raise_any()


INVALID: dict[str, Any] = {
    "tool-choice-undefined-tool": {"tools": [WEATHER], "tool_choice": {"type": "tool", "name": "get_stock_price"}},
    "tool-choice-without-tools": {"tool_choice": {"type": "any"}},
    "tool-choice-unknown-type": {"tools": [WEATHER], "tool_choice": {"type": "required"}},
    "tool-choice-empty-object": {"tools": [WEATHER], "tool_choice": {}},
    "tool-choice-tool-without-name": {"tools": [WEATHER], "tool_choice": {"type": "tool"}},
    "tool-without-input-schema": {"tools": [{"name": "get_weather", "description": "Weather."}]},
    "tool-without-name": {"tools": [{"description": "Weather.", "input_schema": {"type": "object"}}]},
    "tool-name-with-spaces": {"tools": [{**WEATHER, "name": "get the weather"}]},
    "tool-input-schema-not-object": {"tools": [{**WEATHER, "input_schema": "object"}]},
    "tools-not-a-list": {"tools": WEATHER},
    "tool-use-without-id": {"messages": [
        {"role": "user", "content": ASK},
        {"role": "assistant", "content": [{"type": "tool_use", "name": "get_weather", "input": {}}]},
        {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "toolu_x", "content": "sunny"}]}]},
    "tool-use-input-not-object": {"messages": [
        {"role": "user", "content": ASK},
        {"role": "assistant", "content": [{"type": "tool_use", "id": "toolu_x", "name": "get_weather", "input": "Paris"}]},
        {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "toolu_x", "content": "sunny"}]}]},
}


@pytest.mark.parametrize("case", list(INVALID))
@pytest.mark.rule("messages_invalid_tools_400")
def test_invalid_tool_requests_are_400(api: ApiClient, contract: Contract, discovery: Discovery, case: str) -> None:
    models = [m for m in tool_models(discovery, api)]
    model = min(models, key=owner_first("openai")) if models else plain_model(discovery, api)
    body = {**message_body(model, ASK), **INVALID[case]}
    if "messages" in INVALID[case] and "tools" not in INVALID[case]:
        body["tools"] = [WEATHER]
    response = create(api, body)
    errors.anthropic_error(response, contract, status=400)
    not_forwarded(response)
