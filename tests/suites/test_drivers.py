"""The format drivers and the all-format checks, offline: each driver reads its format's answers into
the same neutral terms, builds round trips the contract accepts, and the checks fail on broken answers."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from suites import tools
from suites.checks import CheckFailure, formats
from suites.contract import load_contract
from suites.drivers import (
    DRIVERS,
    Answer,
    ErrorReply,
    Named,
    ToolCall,
    Usage,
    parse_arguments,
    reasoning_off,
    reasons_by_default,
    switchable_reasoners,
    thinking_off,
)

CONTRACT = load_contract()
ARGS = '{"location":"Paris","unit":"celsius"}'
REQUEST_SCHEMA = {"chat": "ChatCompletionRequest", "messages": "MessagesRequest", "responses": "ResponseCreateRequest"}
TOOL_ANSWER: dict[str, dict[str, Any]] = {
    "chat": {"id": "chatcmpl-1", "object": "chat.completion", "created": 1, "model": "m", "choices": [
        {"index": 0, "finish_reason": "tool_calls", "message": {"role": "assistant", "content": None, "tool_calls": [
            {"id": "call_1", "type": "function", "function": {"name": "get_weather", "arguments": ARGS}}]}}],
        "usage": {"prompt_tokens": 5, "completion_tokens": 7, "total_tokens": 12, "cost": 0.001}},
    "messages": {"id": "msg_1", "type": "message", "role": "assistant", "model": "m", "stop_reason": "tool_use",
                 "stop_sequence": None, "content": [{"type": "tool_use", "id": "call_1", "name": "get_weather",
                                                     "input": json.loads(ARGS)}],
                 "usage": {"input_tokens": 3, "cache_read_input_tokens": 2, "output_tokens": 7}},
    "responses": {"id": "resp_1", "object": "response", "status": "completed", "model": "m", "output": [
        {"id": "fc_1", "type": "function_call", "call_id": "call_1", "name": "get_weather", "arguments": ARGS,
         "status": "completed"}], "usage": {"input_tokens": 5, "output_tokens": 7, "total_tokens": 12}},
}


def _response(body: Any) -> httpx.Response:
    return httpx.Response(200, json=body)


@pytest.mark.parametrize("name", list(DRIVERS))
def test_every_driver_reads_a_tool_call_the_same_way(name: str) -> None:
    answer = DRIVERS[name].answer(_response(TOOL_ANSWER[name]))
    assert answer.finish == "tool_calls"
    assert [(c.id, c.name, c.arguments) for c in answer.calls] == [("call_1", "get_weather", json.loads(ARGS))]
    assert answer.usage is not None and (answer.usage.input, answer.usage.output) == (5, 7)
    formats.tool_calls_valid(answer.calls, [tools.WEATHER])
    formats.tool_calls_finish(answer)
    formats.usage_adds_up(answer.usage)


@pytest.mark.parametrize("name", list(DRIVERS))
def test_every_driver_builds_a_round_trip_the_contract_accepts(name: str) -> None:
    driver = DRIVERS[name]
    calls = driver.answer(_response(TOOL_ANSWER[name])).calls
    body = driver.round_trip(driver.body("m", tools.ASK, tools=[tools.WEATHER], tool_choice=Named("get_weather")),
                             calls, ["Sunny"])
    assert not CONTRACT.schema_errors(f"#/components/schemas/{REQUEST_SCHEMA[name]}", body)
    assert "call_1" in json.dumps(body) and "Sunny" in json.dumps(body)


MAX_TOKENS = {"chat": "max_completion_tokens", "messages": "max_tokens", "responses": "max_output_tokens"}
ERROR_BODY: dict[str, dict[str, Any]] = {
    "openai": {"error": {"message": "no such model", "type": "invalid_request_error", "code": "model_not_found",
                         "param": "model"}},
    "anthropic": {"type": "error", "error": {"type": "not_found_error", "message": "no such model"}},
}


@pytest.mark.parametrize("name", list(DRIVERS))
def test_every_driver_builds_a_request_in_its_own_fields(name: str) -> None:
    driver = DRIVERS[name]
    body = driver.body("m", max_tokens=5, tools=[tools.WEATHER], tool_choice="required", stream=True)
    assert not CONTRACT.schema_errors(f"#/components/schemas/{REQUEST_SCHEMA[name]}", body)
    assert body[MAX_TOKENS[name]] == 5 and body["stream"] is True and len(body["tools"]) == 1


@pytest.mark.parametrize("name", list(DRIVERS))
def test_every_driver_reads_its_error_envelope(name: str) -> None:
    driver = DRIVERS[name]
    reply = driver.error(httpx.Response(404, json=ERROR_BODY[driver.envelope]), CONTRACT, status=404)
    assert (reply.status, reply.message) == (404, "no such model")
    assert reply.code == ("model_not_found" if driver.envelope == "openai" else None)
    with pytest.raises(CheckFailure):
        driver.error(httpx.Response(404, json=ERROR_BODY[driver.envelope]), CONTRACT, status=400)


@pytest.mark.parametrize("raw,ok", [(ARGS, True), ("", True), ({"a": 1}, True), ('{"location":"Par', False),
                                    ("[1]", False), (None, False)],
                         ids=["json", "empty", "object", "truncated", "array", "none"])
def test_parse_arguments(raw: Any, ok: bool) -> None:
    value, problem = parse_arguments(raw)
    assert (problem is None) is ok and (value is not None) is ok


def _call(raw: Any = ARGS, call_id: str = "call_1", name: str = "get_weather") -> ToolCall:
    return ToolCall(call_id, name, raw)


def _answer(**fields: Any) -> Answer:
    base: dict[str, Any] = {"text": "Hello", "reasoning": "", "calls": [], "finish": "stop", "finish_raw": "stop",
                            "usage": Usage(5, 7, 12), "model": "m", "headers": httpx.Headers(), "body": b"",
                            "raw": None, "streamed": False}
    return Answer(**{**base, **fields})


@pytest.mark.parametrize("calls", [
    [],
    [_call(name="get_stock")],
    [_call(), _call()],
    [_call(raw='{"location":"Par')],
    [_call(raw='{"location":""}')],
    [_call(raw='{"location":"Paris","unit":"kelvin"}')],
], ids=["none", "undefined-tool", "same-ids", "truncated", "too-short", "outside-enum"])
def test_tool_call_checks_catch_broken_calls(calls: list[ToolCall]) -> None:
    with pytest.raises(CheckFailure):
        formats.tool_calls_valid(calls, [tools.WEATHER])


def test_parallel_check_needs_one_call_per_tool_on_the_mocks() -> None:
    both = [tools.WEATHER, tools.TIME]
    merged = [_call()]
    formats.parallel_calls_separate(merged, both, exact=False)
    with pytest.raises(CheckFailure):
        formats.parallel_calls_separate(merged, both, exact=True)
    with pytest.raises(CheckFailure):
        formats.parallel_calls_separate([ToolCall("a", "get_weather", ARGS, "fc_1"),
                                         ToolCall("b", "get_time", "{}", "fc_1")], both, exact=True)


@pytest.mark.parametrize("usage", [None, Usage(5, 7, 13), Usage(0, 7), Usage(5, 7, reasoning=9),
                                   Usage(5, 7, cached=6), Usage("5", 7)],
                         ids=["missing", "total", "zero-input", "reasoning", "cached", "string"])
def test_usage_check_catches_broken_counts(usage: Usage | None) -> None:
    with pytest.raises(CheckFailure):
        formats.usage_adds_up(usage)


@pytest.mark.parametrize("answer", [_answer(reasoning="thought"), _answer(text="> **Thinking…**\n>\n> x\n\nHi"),
                                    _answer(usage=Usage(5, 7, 12, reasoning=3)), _answer(text=" ")],
                         ids=["reasoning", "thinking-block", "reasoning-tokens", "no-text"])
def test_no_reasoning_checks_catch_reasoning(answer: Answer) -> None:
    with pytest.raises(CheckFailure):
        formats.no_reasoning_from_plain_model(answer, "m")
    with pytest.raises(CheckFailure):
        formats.no_reasoning_when_off(answer, "m")


def test_round_trip_check() -> None:
    formats.round_trip_answered(_answer(text="Using tool results: Sunny"), ["Sunny"], quoted=True)
    for broken in (_answer(calls=[_call()], finish="tool_calls"), _answer(text="Hello")):
        with pytest.raises(CheckFailure):
            formats.round_trip_answered(broken, ["Sunny"], quoted=True)


@pytest.mark.parametrize("check,status,type_,code,other_code", [
    (formats.unknown_model_not_found, 404, "not_found_error", "model_not_found", "invalid_parameter"),
    (formats.missing_key_401, 401, "authentication_error", "missing_api_key", "invalid_api_key"),
], ids=["unknown-model", "missing-key"])
def test_error_checks_read_each_envelope(check: Callable[[ErrorReply, str], None], status: int, type_: str,
                                         code: str, other_code: str) -> None:
    check(ErrorReply(status, type_, "x", code), "openai")
    check(ErrorReply(status, type_, "x"), "anthropic")
    with pytest.raises(CheckFailure):
        check(ErrorReply(status, type_, "x", other_code), "openai")
    with pytest.raises(CheckFailure):
        check(ErrorReply(status, "invalid_request_error", "x"), "anthropic")


R1 = {"id": "r1", "capabilities": {"thinking": True}, "supported_parameters": [
    {"name": "reasoning", "type": "object", "properties": {"enabled": {"type": "boolean", "default": True}}}]}
ASKED = {"id": "asked", "capabilities": {"thinking": True}, "supported_parameters": [
    {"name": "enable_thinking", "type": "boolean", "default": False}]}


def test_reasoning_off_per_format_and_default_reasoners_first() -> None:
    assert reasoning_off(R1) == {"reasoning": {"enabled": False}}
    assert thinking_off(R1) == {"thinking": {"type": "disabled"}}
    assert thinking_off(ASKED) == {"enable_thinking": False}
    assert reasons_by_default(R1) and not reasons_by_default(ASKED)
    assert [m["id"] for m in switchable_reasoners([ASKED, R1], reasoning_off)] == ["r1", "asked"]


@pytest.mark.parametrize(("stamps", "ok"), [
    ((1764633600,), True), ((1764633600 * 1000,), False), ((0,), False), (("1764633600",), False),
    ((True,), False), ((), False),
])
def test_created_check_wants_unix_seconds(stamps: tuple[Any, ...], ok: bool) -> None:
    now = 1764633600.0
    if ok:
        formats.created_now(stamps, "x", started=now - 1, finished=now + 1)
    else:
        with pytest.raises(CheckFailure):
            formats.created_now(stamps, "x", started=now - 1, finished=now + 1)


def test_created_check_refuses_an_old_answer_time() -> None:
    with pytest.raises(CheckFailure):
        formats.created_now((1_600_000_000,), "x", started=1764633600.0, finished=1764633601.0)


@pytest.mark.parametrize("name", ["chat", "responses"])
def test_timestamped_drivers_read_the_creation_time(name: str) -> None:
    body = {**TOOL_ANSWER[name], ("created" if name == "chat" else "created_at"): 1764633600}
    assert DRIVERS[name].answer(_response(body)).created == (1764633600,)
    assert DRIVERS[name].timestamped and not DRIVERS["messages"].timestamped


@pytest.mark.parametrize(("status", "body", "ok"), [
    (404, {"error": {"code": "model_not_found", "type": "not_found_error"}}, True),
    (503, {"error": {"code": "model_unavailable", "type": "server_error"}}, False),
    (200, {"id": "chatcmpl-1"}, False),
    (404, {"error": {"code": "not_found", "type": "not_found_error"}}, False),
])
def test_unavailable_model_check(status: int, body: dict[str, Any], ok: bool) -> None:
    response = httpx.Response(status, json=body)
    if ok:
        formats.unavailable_model_not_found(response, "openai", "m")
    else:
        with pytest.raises(CheckFailure):
            formats.unavailable_model_not_found(response, "openai", "m")
