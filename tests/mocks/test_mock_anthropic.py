"""The Anthropic family mock: Messages shapes (checked with the SDK types), event order, tools, thinking."""

from __future__ import annotations

import json
from typing import Any

import httpx
import jsonschema
import pytest
from anthropic.types import Message, RawMessageStreamEvent
from mock_support import SSE, stream
from pydantic import TypeAdapter

from mocks.text import count_tokens, reasoning_text, reply_text

PATH = "/v1/messages"
EVENT = TypeAdapter(RawMessageStreamEvent)
WEATHER = {"name": "get_weather", "description": "Weather for a city.", "input_schema": {
    "type": "object", "properties": {"city": {"type": "string"}, "days": {"type": "integer", "minimum": 1}},
    "required": ["city"]}}
TIME = {"name": "get_time", "input_schema": {"type": "object", "properties": {"tz": {"type": "string"}}}}


def msgs(text: str = "Hello Claude, mock me.", **extra: Any) -> dict[str, Any]:
    return {"model": "claude-sonnet-4-5-20250929", "max_tokens": 256, "system": "Be brief.",
            "messages": [{"role": "user", "content": text}], **extra}


def assemble(events: list[SSE]) -> dict[str, Any]:
    """The message a client rebuilds from the stream, checking the event grammar on the way."""
    payloads = [e.json() for e in events]
    assert [e.event for e in events] == [p["type"] for p in payloads]
    for payload in payloads:
        if payload["type"] != "ping":
            EVENT.validate_python(payload)
    names = [p["type"] for p in payloads]
    assert names[0] == "message_start" and names[-2:] == ["message_delta", "message_stop"]
    assert names.count("ping") == 1
    message = payloads[0]["message"]
    assert message["content"] == [] and message["usage"]["input_tokens"] > 0
    blocks: list[dict[str, Any]] = []
    open_index = None
    for p in payloads[1:-2]:
        if p["type"] == "content_block_start":
            assert open_index is None and p["index"] == len(blocks)
            open_index = p["index"]
            blocks.append({**p["content_block"], "_json": ""})
        elif p["type"] == "content_block_delta":
            assert p["index"] == open_index
            delta, block = p["delta"], blocks[open_index]
            if delta["type"] == "text_delta":
                block["text"] += delta["text"]
            elif delta["type"] == "thinking_delta":
                block["thinking"] += delta["thinking"]
            elif delta["type"] == "signature_delta":
                block["signature"] += delta["signature"]
            elif delta["type"] == "input_json_delta":
                block["_json"] += delta["partial_json"]
        elif p["type"] == "content_block_stop":
            assert p["index"] == open_index
            open_index = None
    for block in blocks:
        raw = block.pop("_json")
        if block["type"] == "tool_use":
            block["input"] = json.loads(raw)
    final = payloads[-2]
    return {**message, "content": blocks, "stop_reason": final["delta"]["stop_reason"],
            "stop_sequence": final["delta"]["stop_sequence"], "usage": {**message["usage"], **final["usage"]}}


def without_ids(message: dict[str, Any]) -> dict[str, Any]:
    return {**message, "id": None, "content": [{**b, "id": None} if "id" in b else b for b in message["content"]]}


def test_non_stream_message_shape_and_usage(anthropic_client: httpx.Client) -> None:
    response = anthropic_client.post(PATH, json=msgs())
    assert response.status_code == 200
    assert response.headers["request-id"] == response.headers["x-request-id"]
    assert response.headers["request-id"].startswith("req_anthropic_")
    body = response.json()
    message = Message.model_validate(body)
    assert message.role == "assistant" and message.stop_reason == "end_turn" and message.stop_sequence is None
    assert body["content"] == [{"type": "text", "text": reply_text("Hello Claude, mock me.")}]
    assert body["usage"] == {
        "input_tokens": (count_tokens("Be brief.") + 3) + (count_tokens("Hello Claude, mock me.") + 3),
        "output_tokens": count_tokens(body["content"][0]["text"]),
        "cache_creation_input_tokens": 0, "cache_read_input_tokens": 0}


@pytest.mark.parametrize("extra", [
    {},
    {"max_tokens": 6},
    {"stop_sequences": ["mock upstream"]},
    {"tools": [WEATHER, TIME], "messages": [{"role": "user", "content": "weather and time, in parallel"}]},
    {"thinking": {"type": "enabled", "budget_tokens": 1024}, "max_tokens": 2048},
])
def test_stream_rebuilds_the_non_stream_message(anthropic_client: httpx.Client, extra: dict[str, Any]) -> None:
    response, events, _ = stream(anthropic_client, PATH, msgs(**extra))
    assert response.headers["content-type"].startswith("text/event-stream")
    streamed = assemble(events)
    plain = anthropic_client.post(PATH, json=msgs(**extra)).json()
    assert without_ids(streamed) == without_ids(plain)
    assert streamed["usage"]["output_tokens"] > 1


def test_max_tokens_and_stop_sequences(anthropic_client: httpx.Client) -> None:
    body = anthropic_client.post(PATH, json=msgs(max_tokens=6)).json()
    assert body["stop_reason"] == "max_tokens" and body["usage"]["output_tokens"] == 6
    assert count_tokens(body["content"][0]["text"]) == 6
    body = anthropic_client.post(PATH, json=msgs(stop_sequences=["nothing", "deterministic"])).json()
    full = reply_text("Hello Claude, mock me.")
    assert body["stop_reason"] == "stop_sequence" and body["stop_sequence"] == "deterministic"
    assert body["content"][0]["text"] == full[: full.index("deterministic")]


def tool_uses(body: dict[str, Any]) -> list[str]:
    return [b["name"] for b in body["content"] if b["type"] == "tool_use"]


@pytest.mark.parametrize(("choice", "text", "expected", "leading_text"), [
    (None, "What is the weather?", ["get_weather"], True),
    ({"type": "auto"}, "both in parallel", ["get_weather", "get_time"], True),
    ({"type": "auto", "disable_parallel_tool_use": True}, "both in parallel", ["get_weather"], True),
    ({"type": "any"}, "anything", ["get_weather"], False),
    ({"type": "tool", "name": "get_time"}, "anything", ["get_time"], False),
    ({"type": "none"}, "What is the weather?", [], True),
])
def test_tool_choice_modes(anthropic_client: httpx.Client, choice: Any, text: str, expected: list[str],
                           leading_text: bool) -> None:
    extra: dict[str, Any] = {"tools": [WEATHER, TIME]}
    if choice is not None:
        extra["tool_choice"] = choice
    body = anthropic_client.post(PATH, json=msgs(text, **extra)).json()
    Message.model_validate(body)
    assert tool_uses(body) == expected
    assert (body["content"][0]["type"] == "text") is leading_text
    schemas = {t["name"]: t["input_schema"] for t in (WEATHER, TIME)}
    for block in body["content"]:
        if block["type"] == "tool_use":
            assert block["id"].startswith("toolu_")
            jsonschema.validate(block["input"], schemas[block["name"]])
    assert body["stop_reason"] == ("tool_use" if expected else "end_turn")


def test_streamed_tool_input_arrives_as_json_fragments(anthropic_client: httpx.Client) -> None:
    _, events, _ = stream(anthropic_client, PATH, msgs("in parallel", tools=[WEATHER, TIME],
                                                        tool_choice={"type": "any"}))
    starts = [e.json() for e in events if e.event == "content_block_start"]
    assert [s["content_block"]["type"] for s in starts] == ["tool_use", "tool_use"]
    assert all(s["content_block"]["input"] == {} for s in starts)
    fragments = [e.json()["delta"] for e in events if e.event == "content_block_delta"]
    assert {f["type"] for f in fragments} == {"input_json_delta"} and len(fragments) > 4
    assert assemble(events)["stop_reason"] == "tool_use"


def test_tool_result_round_trip_with_is_error(anthropic_client: httpx.Client) -> None:
    first = anthropic_client.post(PATH, json=msgs("weather in parallel", tools=[WEATHER, TIME])).json()
    uses = [b for b in first["content"] if b["type"] == "tool_use"]
    messages = [{"role": "user", "content": "weather in parallel"},
                {"role": "assistant", "content": first["content"]},
                {"role": "user", "content": [
                    {"type": "tool_result", "tool_use_id": uses[0]["id"], "content": "Sunny"},
                    {"type": "tool_result", "tool_use_id": uses[1]["id"], "is_error": True,
                     "content": [{"type": "text", "text": "clock broken"}]},
                    {"type": "text", "text": "Summarise."}]}]
    body = anthropic_client.post(PATH, json={**msgs(tools=[WEATHER, TIME]), "messages": messages}).json()
    assert body["stop_reason"] == "end_turn"
    assert body["content"][0]["text"].startswith("Mock reply using tool results: Sunny; error: clock broken.")


@pytest.mark.parametrize("messages", [
    [{"role": "user", "content": "hi"},
     {"role": "assistant", "content": [{"type": "tool_use", "id": "toolu_1", "name": "get_weather", "input": {}}]},
     {"role": "user", "content": "forgot the result"}],
    [{"role": "user", "content": [{"type": "tool_result", "tool_use_id": "toolu_x", "content": "orphan"}]}],
])
def test_tool_pairing_violations_are_400(anthropic_client: httpx.Client, messages: list[Any]) -> None:
    response = anthropic_client.post(PATH, json={**msgs(tools=[WEATHER]), "messages": messages})
    assert response.status_code == 400
    assert "tool_result" in response.json()["error"]["message"]


def test_thinking_block_comes_first_with_a_signature(anthropic_client: httpx.Client) -> None:
    body = anthropic_client.post(PATH, json=msgs(thinking={"type": "enabled", "budget_tokens": 1024},
                                                 max_tokens=2048)).json()
    thinking, text = body["content"]
    assert thinking["type"] == "thinking" and thinking["signature"]
    assert thinking["thinking"] == reasoning_text("Hello Claude, mock me.")
    assert body["usage"]["output_tokens"] == count_tokens(thinking["thinking"]) + count_tokens(text["text"])


def test_cache_control_moves_prefix_tokens_out_of_input(anthropic_client: httpx.Client) -> None:
    system = [{"type": "text", "text": "A long and cacheable system prompt.", "cache_control": {"type": "ephemeral"}}]
    short = anthropic_client.post(PATH, json=msgs(system=system)).json()["usage"]
    prefix = count_tokens(system[0]["text"]) + 3
    assert short["cache_creation_input_tokens"] == prefix and short["cache_read_input_tokens"] == 0
    assert short["input_tokens"] == count_tokens("Hello Claude, mock me.") + 3
    turns = [{"role": "user", "content": "One"}, {"role": "assistant", "content": "Two"},
             {"role": "user", "content": "Three"}]
    long = anthropic_client.post(PATH, json={**msgs(system=system), "messages": turns}).json()["usage"]
    assert long["cache_read_input_tokens"] == prefix and long["cache_creation_input_tokens"] == 0


@pytest.mark.parametrize(("headers", "status", "kind"), [
    ({"anthropic-version": "2023-06-01"}, 401, "authentication_error"),
    ({"x-api-key": "k"}, 400, "invalid_request_error"),
])
def test_auth_and_version_headers(mock_server: Any, headers: dict[str, str], status: int, kind: str) -> None:
    response = httpx.post(f"{mock_server.urls['anthropic']}{PATH}", json=msgs(), headers=headers)
    assert response.status_code == status
    body = response.json()
    assert body["type"] == "error" and body["error"]["type"] == kind
    assert "anthropic.mock-upstream.internal" in body["error"]["message"]
    assert body["request_id"] == response.headers["request-id"]


@pytest.mark.parametrize("patch", [
    {"max_tokens": None},
    {"messages": []},
    {"messages": [{"role": "system", "content": "x"}]},
    {"messages": [{"role": "user", "content": ""}]},
    {"tool_choice": {"type": "any"}},
    {"tools": [WEATHER], "tool_choice": {"type": "tool", "name": "nope"}},
    {"thinking": {"type": "enabled", "budget_tokens": 100}},
    {"thinking": {"type": "enabled", "budget_tokens": 1024}, "max_tokens": 1024},
    {"tools": [WEATHER], "tool_choice": {"type": "any"}, "thinking": {"type": "enabled", "budget_tokens": 1024},
     "max_tokens": 4096},
])
def test_invalid_requests_are_400_invalid_request_error(anthropic_client: httpx.Client, patch: dict[str, Any]) -> None:
    body = {k: v for k, v in {**msgs(), **patch}.items() if v is not None}
    response = anthropic_client.post(PATH, json=body)
    assert response.status_code == 400, response.text
    assert response.json()["error"]["type"] == "invalid_request_error"


def test_thinking_sent_back_must_carry_this_upstreams_signature(anthropic_client: httpx.Client) -> None:
    thinking = {"type": "enabled", "budget_tokens": 1024}
    first = anthropic_client.post(PATH, json=msgs(thinking=thinking, max_tokens=2048)).json()

    def again(content: list[dict[str, Any]]) -> int:
        turns = [{"role": "user", "content": "Hello"}, {"role": "assistant", "content": content},
                 {"role": "user", "content": "More"}]
        return anthropic_client.post(PATH, json=msgs(messages=turns, thinking=thinking, max_tokens=2048)).status_code

    assert again(first["content"]) == 200
    forged = [{**first["content"][0], "signature": "forged"}, first["content"][1]]
    assert again(forged) == 400
    assert again([{"type": "redacted_thinking", "data": "opaque"}, first["content"][1]]) == 400
