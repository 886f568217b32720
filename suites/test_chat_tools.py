"""Chat Completions tool calling: every ``tool_choice`` mode, streamed fragments, parallel calls, round
trips and invalid tool requests. Each check runs on one tool-capable model per provider."""

from __future__ import annotations

from typing import Any

import pytest

from suites import tools
from suites.chat import Failures, StreamResult, chat_body, complete, need, per_provider, stream_chat
from suites.checks import chat as checks
from suites.checks import errors, holds
from suites.client import ApiClient
from suites.contract import Contract
from suites.discovery import Discovery, lacking
from suites.plugin import Target
from suites.tools import ASK, PARALLEL
from suites.upstreams import not_forwarded

WEATHER = tools.WEATHER.chat()
TIME = tools.TIME.chat()
PING = tools.PING.chat()
CHOICES: dict[str, Any] = {
    "auto": "auto",
    "required": "required",
    "named": {"type": "function", "function": {"name": "get_weather"}},
    "none": "none",
}


def _tool_models(discovery: Discovery, api: ApiClient) -> list[dict[str, Any]]:
    if not discovery.tool_models():
        pytest.skip(lacking("tool-capable chat model (capabilities.tool_calling + tools)", "tools"))
    return per_provider(discovery, api, discovery.tool_models())


def _simplest(model: dict[str, Any]) -> tuple[bool, bool, str]:
    return bool((model.get("capabilities") or {}).get("thinking")), model.get("owned_by") != "openai", model["id"]


def _calls(api: ApiClient, body: dict[str, Any], stream: bool) -> tuple[list[dict[str, Any]], str | None, str, Any]:
    """(tool calls, finish_reason, content, the stream result or the body) of one request."""
    if stream:
        result = stream_chat(api, body)
        checks.done_terminates(result.data)
        calls = checks.tool_call_fragments(result.chunks)
        finish = checks.one_finish_reason(result.chunks)
        return calls, finish, result.content, result
    response = complete(api, body)
    holds("valid_request_200", bool(response.status_code == 200),
          f"{response.status_code}: {response.text[:300]!r}")
    answer = response.json()
    choice = answer["choices"][0]
    return list(choice["message"].get("tool_calls") or []), choice.get("finish_reason"), \
        choice["message"].get("content") or "", answer


@pytest.mark.parametrize("stream", [False, True], ids=["non-stream", "stream"])
@pytest.mark.parametrize("mode", list(CHOICES))
@pytest.mark.rule("tool_choice_modes", "tool_call_known_function", "tool_arguments_json")
def test_tool_choice_modes(api: ApiClient, discovery: Discovery, mode: str, stream: bool) -> None:
    failures = Failures()
    tools = [WEATHER]
    for model in _tool_models(discovery, api):
        with failures.check(f"{model['owned_by']}/{model['id']}"):
            calls, finish, content, _ = _calls(api, chat_body(model, ASK, tools=tools, tool_choice=CHOICES[mode]), stream)
            if mode == "none":
                holds("tool_choice_modes", not calls,
                      f"tool_choice none, yet tool calls {calls!r:.200}")
                holds("tool_choice_modes", bool(finish == "stop"),
                      f"tool_choice none: finish_reason {finish!r}")
                holds("tool_choice_modes", bool(content.strip()),
                      "tool_choice none: no text answer")
                continue
            if mode == "auto" and not calls:
                holds("tool_choice_modes", bool(finish == "stop"),
                      f"auto without calls: finish_reason {finish!r}, expected stop")
                continue
            holds("tool_choice_modes", bool(calls),
                  f"tool_choice {mode}: no tool calls (finish_reason {finish!r})")
            holds("tool_choice_modes", bool(finish == "tool_calls"),
                  f"tool_choice {mode}: finish_reason {finish!r}, expected tool_calls")
            checks.tool_calls_well_formed(calls, tools)
            if mode == "named":
                names = {c["function"]["name"] for c in calls}
                holds("tool_choice_modes", bool(names == {"get_weather"}),
                      f"named tool_choice get_weather, yet calls to {sorted(names)}")
    failures.raise_any()


@pytest.mark.rule("tool_call_fragment_index", "tool_call_first_fragment", "tool_call_later_fragment")
def test_streamed_tool_call_fragments(api: ApiClient, discovery: Discovery) -> None:
    failures = Failures()
    for model in _tool_models(discovery, api):
        with failures.check(f"{model['owned_by']}/{model['id']}"):
            result = stream_chat(api, chat_body(model, ASK, tools=[WEATHER], tool_choice="required"))
            calls = checks.tool_call_fragments(result.chunks)
            holds("tool_choice_modes", bool(calls),
                  "tool_choice required: no tool-call fragments in the stream")
            checks.tool_arguments_valid(calls, [WEATHER])
            checks.no_empty_deltas(result.chunks)
    failures.raise_any()


@pytest.mark.parametrize("stream", [False, True], ids=["non-stream", "stream"])
@pytest.mark.rule("parallel_tool_calls", "tool_call_ids_unique")
def test_parallel_tool_calls(api: ApiClient, discovery: Discovery, target: Target, stream: bool) -> None:
    failures = Failures()
    tools = [WEATHER, TIME]
    for model in _tool_models(discovery, api):
        with failures.check(f"{model['owned_by']}/{model['id']}"):
            calls, finish, _, result = _calls(api, chat_body(model, PARALLEL, tools=tools, tool_choice="required"), stream)
            holds("parallel_tool_calls", bool(calls and finish == "tool_calls"),
                  f"no tool calls (finish_reason {finish!r})")
            checks.tool_arguments_valid(calls, tools)
            if target.mock_upstreams:
                holds("parallel_tool_calls", bool(len(calls) == 2),
                      f"the mock upstream calls both tools in parallel; the client got {len(calls)} call(s)")
            if len(calls) >= 2:
                ids = [c["id"] for c in calls]
                holds("tool_call_ids_unique", bool(len(set(ids)) == len(ids)),
                      f"parallel calls share ids: {ids}")
                if stream and isinstance(result, StreamResult):
                    indexes = [c["index"] for c in calls]
                    holds("tool_call_fragment_index", bool(len(set(indexes)) == len(indexes)),
                          f"parallel calls share stream indexes: {indexes}")
                names = sorted(c["function"]["name"] for c in calls)
                if target.mock_upstreams:
                    holds("parallel_tool_calls", bool(names == ["get_time", "get_weather"]),
                          f"expected one call to each tool, got {names}")
    failures.raise_any()


def _round_trip(model: dict[str, Any], arguments: str, tool: dict[str, Any], result: str) -> dict[str, Any]:
    return {
        "model": model["id"],
        "tools": [tool],
        "messages": [
            {"role": "user", "content": ASK},
            {"role": "assistant", "content": None, "tool_calls": [
                {"id": "call_conformance_1", "type": "function",
                 "function": {"name": tool["function"]["name"], "arguments": arguments}}]},
            {"role": "tool", "tool_call_id": "call_conformance_1", "content": result},
        ],
    }


@pytest.mark.parametrize("arguments", ["", "{}"], ids=["empty-string", "empty-object"])
@pytest.mark.rule("tool_arguments_empty_accepted")
def test_empty_and_object_arguments_accepted(api: ApiClient, discovery: Discovery, arguments: str) -> None:
    failures = Failures()
    for model in _tool_models(discovery, api):
        with failures.check(f"{model['owned_by']}/{model['id']}"):
            response = complete(api, _round_trip(model, arguments, PING, "pong"))
            holds("valid_request_200", bool(response.status_code == 200),
                  f"{response.status_code}: {response.text[:300]!r}")
            checks.assistant_message(response.json(), finish="stop")
    failures.raise_any()


def _invalid(model_id: str, case: str) -> dict[str, Any]:
    base = chat_body(model_id, ASK)
    if case == "named-function-undefined":
        return {**base, "tools": [WEATHER], "tool_choice": {"type": "function", "function": {"name": "not_defined"}}}
    if case == "tool-choice-without-tools":
        return {**base, "tool_choice": "required"}
    if case == "named-choice-without-tools":
        return {**base, "tool_choice": {"type": "function", "function": {"name": "get_weather"}}}
    if case == "tool-choice-empty-object":
        return {**base, "tools": [WEATHER], "tool_choice": {}}
    if case == "tool-choice-unknown-mode":
        return {**base, "tools": [WEATHER], "tool_choice": "sometimes"}
    if case == "tool-without-name":
        return {**base, "tools": [{"type": "function", "function": {"parameters": {"type": "object"}}}]}
    if case == "tool-name-invalid":
        return {**base, "tools": [{"type": "function", "function": {"name": "get weather!", "parameters": {}}}]}
    if case == "tool-type-unknown":
        return {**base, "tools": [{"type": "retrieval", "function": WEATHER["function"]}]}
    if case == "tool-without-function":
        return {**base, "tools": [{"type": "function"}]}
    if case == "tools-not-a-list":
        return {**base, "tools": WEATHER}
    if case == "tool-parameters-not-object":
        return {**base, "tools": [{"type": "function", "function": {"name": "get_weather", "parameters": "location"}}]}
    raise AssertionError(case)


INVALID = ["named-function-undefined", "tool-choice-without-tools", "named-choice-without-tools",
           "tool-choice-empty-object", "tool-choice-unknown-mode", "tool-without-name", "tool-name-invalid",
           "tool-type-unknown", "tool-without-function", "tools-not-a-list", "tool-parameters-not-object"]


@pytest.mark.parametrize("case", INVALID)
@pytest.mark.rule("invalid_tools_400")
def test_invalid_tool_requests_are_400(api: ApiClient, contract: Contract, discovery: Discovery, case: str) -> None:
    pool = discovery.tool_models() or discovery.chat_models()
    model = need(min(pool, key=_simplest) if pool else None, "chat model")
    response = complete(api, _invalid(model["id"], case))
    errors.no_server_error(response)
    error = errors.openai_error(response, contract, status=400, type="invalid_request_error")
    param = error.get("param") or ""
    holds("invalid_tools_400", bool(param.startswith("tool")),
          f"param should name the offending tools/tool_choice field, got {error['param']!r}")
    not_forwarded(response)
