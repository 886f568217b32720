"""The OpenAI family mock over real HTTP: shapes (checked with the SDK types), streams, usage, tools, errors."""

from __future__ import annotations

import json
from typing import Any

import httpx
import jsonschema
import pytest
from mock_support import openai_events, stream
from openai.types.chat import ChatCompletion, ChatCompletionChunk

from mocks.text import count_tokens, reply_text

PATH = "/v1/chat/completions"
WEATHER = {"type": "function", "function": {"name": "get_weather", "description": "Weather for a city.",
                                            "parameters": {"type": "object", "properties": {
                                                "city": {"type": "string"},
                                                "unit": {"type": "string", "enum": ["c", "f"]}},
                                                "required": ["city"]}}}
TIME = {"type": "function", "function": {"name": "get_time", "parameters": {
    "type": "object", "properties": {"tz": {"type": "string"}, "precise": {"type": "boolean"}}}}}
SCHEMAS = {t["function"]["name"]: t["function"]["parameters"] for t in (WEATHER, TIME)}


def chat(text: str = "Hello there, mock!", **extra: Any) -> dict[str, Any]:
    return {"model": "gpt-4.1-mini", "messages": [{"role": "system", "content": "Be brief."},
                                                  {"role": "user", "content": text}], **extra}


def joined_stream(chunks: list[dict[str, Any]]) -> dict[str, Any]:
    """Content, tool calls (by index) and finish reasons assembled from stream chunks."""
    content, calls, finishes = "", {}, []
    for chunk in chunks:
        for choice in chunk["choices"]:
            delta = choice["delta"]
            content += delta.get("content") or ""
            for fragment in delta.get("tool_calls") or []:
                call = calls.setdefault(fragment["index"], {"id": None, "name": None, "arguments": ""})
                if "id" in fragment:
                    call["id"], call["name"] = fragment["id"], fragment["function"]["name"]
                call["arguments"] += fragment["function"].get("arguments", "")
            if choice["finish_reason"] is not None:
                finishes.append(choice["finish_reason"])
    return {"content": content, "calls": calls, "finishes": finishes}


def test_non_stream_completion_shape_text_and_usage(openai_client: httpx.Client) -> None:
    response = openai_client.post(PATH, json=chat())
    assert response.status_code == 200
    assert response.headers["x-request-id"].startswith("req_openai_")
    assert response.headers["server"] == "openai.mock-upstream.internal"
    body = ChatCompletion.model_validate(response.json())
    assert body.object == "chat.completion" and body.model == "gpt-4.1-mini" and len(body.choices) == 1
    message = body.choices[0].message
    assert message.role == "assistant" and message.content == reply_text("Hello there, mock!")
    assert body.choices[0].finish_reason == "stop" and message.tool_calls is None
    usage = body.usage
    assert usage is not None
    assert usage.prompt_tokens == (count_tokens("Be brief.") + 3) + (count_tokens("Hello there, mock!") + 3)
    assert usage.completion_tokens == count_tokens(message.content)
    assert usage.total_tokens == usage.prompt_tokens + usage.completion_tokens
    assert openai_client.post(PATH, json=chat()).json()["choices"][0]["message"]["content"] == message.content


def test_alias_path_and_content_parts(openai_client: httpx.Client) -> None:
    body = {"model": "m", "messages": [{"role": "user", "content": [
        {"type": "text", "text": "Describe"}, {"type": "image_url", "image_url": {"url": "data:image/png;base64,AAAA"}},
        {"type": "text", "text": "this  image"}]}]}
    response = openai_client.post("/chat/completions", json=body)
    assert response.status_code == 200
    assert response.json()["choices"][0]["message"]["content"].startswith("Mock reply to: Describe this image.")


@pytest.mark.parametrize("include_usage", [False, True])
def test_stream_shape_roles_finish_and_join(openai_client: httpx.Client, include_usage: bool) -> None:
    extra = {"stream_options": {"include_usage": True}} if include_usage else {}
    response, events, _ = stream(openai_client, PATH, chat(**extra))
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/event-stream")
    chunks = openai_events(events)
    for chunk in chunks:
        ChatCompletionChunk.model_validate(chunk)
    assert len({(c["id"], c["created"], c["model"]) for c in chunks}) == 1
    choice_chunks = [c for c in chunks if c["choices"]]
    assert choice_chunks[0]["choices"][0]["delta"]["role"] == "assistant"
    assert all("role" not in c["choices"][0]["delta"] for c in choice_chunks[1:])
    assert all(len(c["choices"]) == 1 for c in choice_chunks)
    assert all(c["choices"][0]["delta"].get("content") != "" for c in choice_chunks)
    joined = joined_stream(chunks)
    assert joined["finishes"] == ["stop"] and choice_chunks[-1]["choices"][0]["finish_reason"] == "stop"
    assert joined["content"] == openai_client.post(PATH, json=chat()).json()["choices"][0]["message"]["content"]
    if include_usage:
        assert all(c["usage"] is None for c in chunks[:-1]) and chunks[-1]["choices"] == []
        usage = chunks[-1]["usage"]
        assert usage["completion_tokens"] == count_tokens(joined["content"])
        assert usage["total_tokens"] == usage["prompt_tokens"] + usage["completion_tokens"] > 0
    else:
        assert all("usage" not in c for c in chunks)


def test_max_tokens_truncates_with_length(openai_client: httpx.Client) -> None:
    for key in ("max_tokens", "max_completion_tokens"):
        body = openai_client.post(PATH, json=chat(**{key: 7})).json()
        assert body["choices"][0]["finish_reason"] == "length" and body["usage"]["completion_tokens"] == 7
        assert count_tokens(body["choices"][0]["message"]["content"]) == 7
    _, events, _ = stream(openai_client, PATH, chat(max_tokens=7))
    joined = joined_stream(openai_events(events))
    assert joined["finishes"] == ["length"] and count_tokens(joined["content"]) == 7


def test_stop_sequences_cut_before_the_match(openai_client: httpx.Client) -> None:
    body = openai_client.post(PATH, json=chat(stop=["deterministic", "mock upstream"])).json()
    full = reply_text("Hello there, mock!")
    assert body["choices"][0]["message"]["content"] == full[: full.index("deterministic")]
    assert body["choices"][0]["finish_reason"] == "stop"
    _, events, _ = stream(openai_client, PATH, chat(stop="deterministic"))
    assert joined_stream(openai_events(events))["content"] == full[: full.index("deterministic")]


def calls_of(body: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    message = body["choices"][0]["message"]
    return [(c["function"]["name"], json.loads(c["function"]["arguments"])) for c in message.get("tool_calls") or []]


@pytest.mark.parametrize(("tool_choice", "text", "expected"), [
    (None, "What is the weather?", ["get_weather"]),
    ("auto", "Check both in parallel please", ["get_weather", "get_time"]),
    ("required", "Anything", ["get_weather"]),
    ({"type": "function", "function": {"name": "get_time"}}, "in parallel", ["get_time"]),
    ("none", "What is the weather?", []),
])
def test_tool_choice_modes(openai_client: httpx.Client, tool_choice: Any, text: str, expected: list[str]) -> None:
    extra: dict[str, Any] = {"tools": [WEATHER, TIME]}
    if tool_choice is not None:
        extra["tool_choice"] = tool_choice
    body = openai_client.post(PATH, json=chat(text, **extra)).json()
    ChatCompletion.model_validate(body)
    calls = calls_of(body)
    assert [name for name, _ in calls] == expected
    for name, arguments in calls:
        jsonschema.validate(arguments, SCHEMAS[name])
    message = body["choices"][0]["message"]
    if expected:
        assert body["choices"][0]["finish_reason"] == "tool_calls" and message["content"] is None
        assert all(c["id"].startswith("call_") and c["type"] == "function" for c in message["tool_calls"])
        names_and_args = sum(count_tokens(c["function"]["name"]) + count_tokens(c["function"]["arguments"])
                             for c in message["tool_calls"])
        assert body["usage"]["completion_tokens"] == names_and_args
    else:
        assert body["choices"][0]["finish_reason"] == "stop" and message["content"]


def test_parallel_tool_calls_false_calls_one(openai_client: httpx.Client) -> None:
    body = openai_client.post(PATH, json=chat("parallel", tools=[WEATHER, TIME], parallel_tool_calls=False)).json()
    assert [name for name, _ in calls_of(body)] == ["get_weather"]


def test_stream_tool_call_fragments(openai_client: httpx.Client) -> None:
    _, events, _ = stream(openai_client, PATH, chat("Both, in parallel.", tools=[WEATHER, TIME]))
    chunks = openai_events(events)
    for chunk in chunks:
        ChatCompletionChunk.model_validate(chunk)
    seen: set[int] = set()
    for chunk in chunks:
        for fragment in chunk["choices"][0]["delta"].get("tool_calls") or []:
            if fragment["index"] not in seen:
                seen.add(fragment["index"])
                assert fragment["id"].startswith("call_") and fragment["type"] == "function"
                assert fragment["function"]["name"] and fragment["function"]["arguments"] == ""
            else:
                assert set(fragment) == {"index", "function"} and set(fragment["function"]) == {"arguments"}
    joined = joined_stream(chunks)
    assert seen == {0, 1} and joined["finishes"] == ["tool_calls"]
    for call in joined["calls"].values():
        jsonschema.validate(json.loads(call["arguments"]), SCHEMAS[call["name"]])


def test_tool_round_trip_answers_with_the_result(openai_client: httpx.Client) -> None:
    first = openai_client.post(PATH, json=chat("Weather in Paris?", tools=[WEATHER])).json()
    call = first["choices"][0]["message"]["tool_calls"][0]
    messages = [{"role": "user", "content": "Weather in Paris?"},
                {"role": "assistant", "content": None, "tool_calls": [call]},
                {"role": "tool", "tool_call_id": call["id"], "content": "Sunny and 22 C"}]
    body = openai_client.post(PATH, json={"model": "m", "messages": messages, "tools": [WEATHER]}).json()
    assert body["choices"][0]["finish_reason"] == "stop"
    assert body["choices"][0]["message"]["content"].startswith("Mock reply using tool results: Sunny and 22 C.")
    expected_prompt = (count_tokens("Weather in Paris?") + 3) + (
        count_tokens(f"get_weather {call['function']['arguments']}") + 3) + (
        count_tokens("Sunny and 22 C") + 3) + count_tokens("get_weather")
    assert body["usage"]["prompt_tokens"] == expected_prompt
    forced = openai_client.post(PATH, json={"model": "m", "messages": messages, "tools": [WEATHER],
                                            "tool_choice": "required"}).json()
    assert forced["choices"][0]["finish_reason"] == "tool_calls"


@pytest.mark.parametrize("body", [
    {"model": "m"},
    {"model": "m", "messages": None},
    {"model": "m", "messages": "hi"},
    {"model": "m", "messages": []},
    {"model": "m", "messages": [123]},
    {"model": "m", "messages": [{}]},
    {"model": "m", "messages": [{"role": "wizard", "content": "x"}]},
    {"messages": [{"role": "user", "content": "x"}]},
    {"model": "m", "messages": [{"role": "user", "content": "x"}], "stream_options": {"include_usage": True}},
    {"model": "m", "messages": [{"role": "user", "content": "x"}], "tool_choice": "auto"},
    {"model": "m", "messages": [{"role": "user", "content": "x"}], "tools": [WEATHER], "tool_choice": {}},
    {"model": "m", "messages": [{"role": "user", "content": "x"}], "tools": [WEATHER],
     "tool_choice": {"type": "function", "function": {"name": "nope"}}},
    {"model": "m", "messages": [{"role": "user", "content": "x"}], "max_tokens": 0},
    {"model": "m", "messages": [{"role": "user", "content": "x"}], "temperature": 3},
    {"model": "m", "messages": [{"role": "tool", "tool_call_id": "call_1", "content": "orphan"}]},
    {"model": "m", "messages": [{"role": "user", "content": "x"}, {"role": "assistant", "tool_calls": [
        {"id": "call_1", "type": "function", "function": {"name": "f", "arguments": "{}"}}]},
        {"role": "user", "content": "unanswered"}]},
])
def test_invalid_requests_are_400_in_the_openai_envelope(openai_client: httpx.Client, body: dict[str, Any]) -> None:
    response = openai_client.post(PATH, json=body)
    assert response.status_code == 400, response.text
    error = response.json()["error"]
    assert set(error) == {"message", "type", "param", "code"} and error["type"] == "invalid_request_error"
    assert "sk-mock-openai" in error["message"]
    assert openai_client.post(PATH, json=chat()).status_code == 200


def test_non_json_and_missing_auth(openai_client: httpx.Client, mock_server: Any) -> None:
    assert openai_client.post(PATH, content=b"{not json").status_code == 400
    for headers in ({}, {"authorization": "Bearer"}, {"authorization": "Basic abc"}):
        response = httpx.post(f"{mock_server.urls['openai']}{PATH}", json=chat(), headers=headers)
        assert response.status_code == 401
        error = response.json()["error"]
        assert error["code"] == "invalid_api_key" and "openai.mock-upstream.internal" in error["message"]


def test_reasoning_content_in_input_is_refused(openai_client: httpx.Client) -> None:
    messages = [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello.", "reasoning_content": "x"},
                {"role": "user", "content": "Again"}]
    response = openai_client.post(PATH, json={"model": "gpt-4o", "messages": messages})
    assert response.status_code == 400
    assert response.json()["error"]["param"] == "messages[1].reasoning_content"
