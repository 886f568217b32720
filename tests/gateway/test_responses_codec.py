"""The Responses codec: request → IR, IR → Response / named SSE events, held to the contract's schemas and
consumable by the official SDK's stream accumulator."""

from __future__ import annotations

import json
import re
from typing import Any

import httpx2
import openai
import pytest
from pydantic import TypeAdapter

from gateway.catalog import load_catalog
from gateway.config import Settings
from gateway.errors import GatewayError, InvalidRequest, NotFound, UpstreamError
from gateway.formats.frames import serialise
from gateway.formats.openai_responses.decode import ResponsesRequest, decode_responses
from gateway.formats.openai_responses.encode import EventEncoder, encode_result
from gateway.ir import (
    ChatResult,
    Finished,
    ReasoningDelta,
    StreamEvent,
    TextDelta,
    ToolArgsDelta,
    ToolCall,
    ToolCallStart,
    Usage,
    UsageReport,
)
from gateway.ir.defaults import with_defaults
from gateway.sse import SSEDecoder
from suites.contract import load_contract

CATALOG = load_catalog(Settings().catalog_path)
CONTRACT = load_contract()
EVENTS = CONTRACT.operation("createResponse").sse_events
SDK_EVENT: TypeAdapter[Any] = TypeAdapter(openai.types.responses.ResponseStreamEvent)
WEATHER = {"type": "function", "name": "get_weather", "description": "Weather for a city",
           "parameters": {"type": "object", "properties": {"city": {"type": "string"}}}}
TIME = {"type": "function", "name": "get_time", "parameters": {"type": "object", "properties": {}}}


def _decode(**body: Any) -> ResponsesRequest:
    body.setdefault("model", "seed-2-0-pro")
    body.setdefault("input", "hi")
    return decode_responses(json.dumps(body).encode(), CATALOG)


def _schema_errors(name: str, obj: Any) -> list[str]:
    return CONTRACT.schema_errors(f"#/components/schemas/{name}", obj)


def _events(frames: bytes) -> list[dict[str, Any]]:
    """Decoded events; asserts the SSE event name equals ``data.type`` and each event meets its schema."""
    out = []
    for sse in SSEDecoder().feed(frames):
        data = json.loads(sse.data)
        assert sse.event == data["type"]
        ref = EVENTS[data["type"]]
        assert CONTRACT.schema_errors(ref, data) == [], (data["type"], CONTRACT.schema_errors(ref, data))
        out.append(data)
    return out


def _stream(request: ResponsesRequest, events: list[StreamEvent], failure: GatewayError | None = None) -> bytes:
    encoder = EventEncoder(request)
    frames = [*encoder.start()]
    for event in events:
        frames += encoder.event(event)
    return serialise([*frames, *(encoder.error(failure) if failure else encoder.end())])


# ----- decode ------------------------------------------------------------------------------------------------


def test_string_input_is_one_user_message() -> None:
    ir = _decode(input="Write a launch checklist.")
    assert [(m.role, m.content) for m in ir.messages] == [("user", "Write a launch checklist.")]
    assert ir.model.id == "seed-2-0-pro" and not ir.stream and not ir.raw


def test_instructions_lead_as_system_message() -> None:
    ir = _decode(instructions="Be brief.", input=[{"role": "user", "content": "hi"}])
    assert [(m.role, m.content) for m in ir.messages] == [("system", "Be brief."), ("user", "hi")]
    assert ir.echo["instructions"] == "Be brief."


def test_message_items_and_content_parts() -> None:
    ir = _decode(input=[
        {"role": "developer", "content": "Rules."},
        {"type": "message", "role": "user", "content": [
            {"type": "input_text", "text": "What is "}, {"type": "input_text", "text": "this?"},
            {"type": "input_image", "image_url": "https://example.com/cat.png"},
        ]},
        {"type": "message", "role": "assistant", "content": [{"type": "output_text", "text": "A cat."}]},
        {"role": "system", "content": "More rules."},
    ])
    assert [(m.role, m.content) for m in ir.messages] == [
        ("system", "Rules."), ("user", "What is \nthis?"), ("assistant", "A cat."), ("system", "More rules."),
    ]
    parts = [(p.kind, p.source, p.value) for p in ir.messages[1].media]
    assert parts == [("image", "url", "https://example.com/cat.png")]


def test_function_call_round_trip_groups_parallel_calls() -> None:
    ir = _decode(tools=[WEATHER, TIME], input=[
        {"role": "user", "content": "Weather in Paris and the time?"},
        {"type": "reasoning", "id": "rs_1", "summary": [], "content": [{"type": "reasoning_text", "text": "x"}]},
        {"type": "function_call", "call_id": "call_a", "name": "get_weather", "arguments": '{"city":"Paris"}'},
        {"type": "function_call", "id": "fc_2", "call_id": "call_b", "name": "get_time", "arguments": "{}",
         "status": "completed"},
        {"type": "function_call_output", "call_id": "call_a", "output": "18C"},
        {"type": "function_call_output", "call_id": "call_b", "output": [{"type": "input_text", "text": "12:00"}]},
        {"type": "message", "role": "assistant", "content": "Checking once more."},
        {"type": "function_call", "call_id": "call_c", "name": "get_time", "arguments": "{}"},
        {"type": "function_call_output", "call_id": "call_c", "output": "12:01"},
    ])
    roles = [m.role for m in ir.messages]
    assert roles == ["user", "assistant", "tool", "tool", "assistant", "tool"]
    first = ir.messages[1]
    assert first.content == "" and first.tool_calls == [
        ToolCall("call_a", "get_weather", '{"city":"Paris"}'), ToolCall("call_b", "get_time", "{}"),
    ]
    assert [(m.tool_call_id, m.content) for m in ir.messages if m.role == "tool"] == [
        ("call_a", "18C"), ("call_b", "12:00"), ("call_c", "12:01"),
    ]
    later = ir.messages[4]
    assert later.content == "Checking once more." and [c.id for c in later.tool_calls] == ["call_c"]


def test_flat_tools_and_named_tool_choice() -> None:
    ir = _decode(tools=[WEATHER, TIME], tool_choice={"type": "function", "name": "get_time"},
                 parallel_tool_calls=False)
    assert [t.name for t in ir.tools] == ["get_weather", "get_time"]
    assert ir.tools[0].description == "Weather for a city" and ir.tools[1].description == ""
    assert ir.tool_choice is not None and (ir.tool_choice.mode, ir.tool_choice.name) == ("named", "get_time")
    assert ir.parallel_tool_calls is False
    assert ir.echo["tool_choice"] == {"type": "function", "name": "get_time"}
    assert ir.echo["parallel_tool_calls"] is False
    assert [t["name"] for t in ir.echo["tools"]] == ["get_weather", "get_time"]


@pytest.mark.parametrize("body", [
    {"tools": [WEATHER], "tool_choice": {"type": "function", "name": "nope"}},
    {"tool_choice": "required"},
    {"tool_choice": {"type": "function", "name": "get_weather"}},
    {"tools": [WEATHER], "tool_choice": {"type": "function", "function": {"name": "get_weather"}}},
    {"tools": [WEATHER], "tool_choice": "sometimes"},
])
def test_tool_choice_errors_name_tool_choice(body: dict[str, Any]) -> None:
    with pytest.raises(InvalidRequest) as caught:
        _decode(**body)
    assert caught.value.status == 400 and caught.value.param == "tool_choice"


def test_previous_response_id_and_store_are_kept_for_the_conversation_step() -> None:
    ir = _decode(previous_response_id="resp_123", store=False, metadata={"k": "v"}, user="u1")
    assert isinstance(ir, ResponsesRequest)
    assert (ir.previous_response_id, ir.store) == ("resp_123", False)
    assert (ir.echo["previous_response_id"], ir.echo["store"]) == ("resp_123", False)
    assert ir.echo["metadata"] == {"k": "v"} and "user" not in ir.passthrough
    default = _decode(previous_response_id=None)
    assert isinstance(default, ResponsesRequest) and default.store is True and default.echo["store"] is True


def test_input_items_get_ids_and_typed_content() -> None:
    ir = _decode(input=[{"role": "user", "content": "hi"}, {"type": "item_reference", "id": "msg_x"},
                        {"type": "message", "role": "assistant", "content": "yo", "id": "msg_mine"}])
    assert isinstance(ir, ResponsesRequest)
    first, ref, mine = ir.items
    assert first["id"].startswith("msg_") and first["content"] == [{"type": "input_text", "text": "hi"}]
    assert ref == {"type": "item_reference", "id": "msg_x"}
    assert mine["id"] == "msg_mine" and mine["content"][0]["type"] == "output_text"
    assert [m.role for m in ir.messages] == ["user", "assistant"]


@pytest.mark.parametrize(("item", "reason"), [
    ({"type": "function_call", "name": "f", "arguments": "{}"}, "Missing required parameter 'input[1].call_id'"),
    ({"type": "message", "role": "robot", "content": "x"}, "Invalid request at 'input[1].role': expected one of"),
    ({"type": "no_such_item"}, "Invalid request at 'input[1]': not a valid item (type must be one of"),
    ({"type": "item_reference"}, "Missing required parameter 'input[1].id'"),
])
def test_an_invalid_item_is_named_and_the_input_never_dumped(item: dict[str, Any], reason: str) -> None:
    with pytest.raises(InvalidRequest) as caught:
        _decode(input=[{"role": "user", "content": "SECRET-CONTEXT " * 20}, item])
    assert caught.value.message.startswith(reason), caught.value.message
    assert "SECRET-CONTEXT" not in caught.value.message and (caught.value.param or "").startswith("input[1]")


def test_unknown_model_is_404() -> None:
    with pytest.raises(NotFound) as caught:
        _decode(model="no-such-model")
    assert (caught.value.status, caught.value.code, caught.value.param) == (404, "model_not_found", "model")


def test_model_not_on_this_endpoint_is_400() -> None:
    with pytest.raises(InvalidRequest) as caught:
        _decode(model="whisper-1")
    assert caught.value.code == "model_not_supported_on_endpoint"


@pytest.mark.parametrize("body, param", [
    ({"input": []}, "input"),
    ({"input": [{"type": "item_reference", "id": ""}]}, "input[0].id"),
    ({"tools": [{"type": "function", "function": {"name": "f"}}]}, None),
    ({"temperature": 3}, "temperature"),
])
def test_schema_errors_are_400(body: dict[str, Any], param: str | None) -> None:
    with pytest.raises(InvalidRequest) as caught:
        _decode(**body)
    assert caught.value.status == 400
    if param:
        assert caught.value.param == param


def test_max_output_tokens_is_held_to_the_models_limit() -> None:
    assert _decode(model="deepseek-reasoner", max_output_tokens=8192).max_output_tokens == 8192
    with pytest.raises(InvalidRequest) as caught:
        _decode(model="deepseek-reasoner", max_output_tokens=9000)
    assert caught.value.param == "max_output_tokens" and "max_output_tokens" in caught.value.message


def test_reasoning_controls() -> None:
    assert _decode(model="deepseek-r1", reasoning={"effort": "high"}).reasoning.effort == "high"
    off = _decode(model="claude-sonnet-4-20250514", reasoning={"effort": "none"}).reasoning
    assert off.enabled is False
    with pytest.raises(InvalidRequest) as refused:  # D-51: a value the model does not list is refused, naming it
        _decode(model="deepseek-r1", reasoning={"effort": "none"})
    assert refused.value.param == "reasoning.effort"
    assert _decode(model="deepseek-r1", reasoning={"exclude": True}).reasoning.exclude
    with pytest.raises(InvalidRequest) as caught:
        _decode(model="deepseek-reasoner", reasoning={"effort": "high"})
    assert caught.value.code == "unsupported_parameter"


@pytest.mark.parametrize("flag", ["disable_formatting", "raw", "passthrough", "raw_response"])
def test_raw_flags(flag: str) -> None:
    assert _decode(**{flag: True}).raw


def test_text_format_becomes_response_format() -> None:
    schema = {"type": "object", "properties": {"a": {"type": "string"}}}
    ir = _decode(text={"format": {"type": "json_schema", "name": "thing", "schema": schema, "strict": True}})
    assert ir.passthrough["response_format"] == {
        "type": "json_schema", "json_schema": {"name": "thing", "schema": schema, "strict": True}}
    assert _decode(text={"format": {"type": "text"}}).passthrough == {}


# ----- encode: whole response --------------------------------------------------------------------------------

FULL = ChatResult("It is sunny.", "Check the weather.", [ToolCall("call_a", "get_weather", '{"city":"Paris"}'),
                                                         ToolCall("call_b", "get_time", "{}")],
                  "tool_calls", Usage(10, 20, reasoning_tokens=5, cached_tokens=2))


def test_encode_result_conforms_and_orders_items() -> None:
    request = _decode(model="deepseek-r1", tools=[WEATHER, TIME], instructions="Be brief.")
    body = encode_result(request, FULL)
    assert _schema_errors("Response", body) == []
    assert re.fullmatch(r"resp_[A-Za-z0-9_-]+", body["id"])
    assert (body["object"], body["status"], body["model"]) == ("response", "completed", "deepseek-r1")
    assert body["incomplete_details"] is None and body["error"] is None
    assert [i["type"] for i in body["output"]] == ["reasoning", "message", "function_call", "function_call"]
    reasoning, message, call_a, call_b = body["output"]
    assert reasoning["id"].startswith("rs_") and reasoning["summary"] == []
    assert reasoning["content"] == [{"type": "reasoning_text", "text": "Check the weather."}]
    assert message["id"].startswith("msg_") and message["role"] == "assistant" and message["status"] == "completed"
    assert message["content"] == [{"type": "output_text", "text": "It is sunny.", "annotations": []}]
    assert call_a["id"].startswith("fc_") and call_a["call_id"] == "call_a" and call_a["status"] == "completed"
    assert (call_b["name"], call_b["arguments"]) == ("get_time", "{}")
    usage = body["usage"]
    assert (usage["input_tokens"], usage["output_tokens"], usage["total_tokens"]) == (10, 20, 30)
    assert usage["input_tokens_details"]["cached_tokens"] == 2
    assert usage["output_tokens_details"]["reasoning_tokens"] == 5
    assert usage["cost"] == float(round(request.model.prices.cost(FULL.usage), 10)) and usage["cost"] > 0
    assert body["instructions"] == "Be brief." and body["tool_choice"] == "auto"
    assert body["parallel_tool_calls"] is True and len(body["tools"]) == 2
    parsed = openai.types.responses.Response.model_validate(body)
    assert parsed.output_text == "It is sunny."


def test_encode_result_incomplete_on_length() -> None:
    body = encode_result(_decode(), ChatResult("Cut sh", None, [], "length", Usage(3, 4)))
    assert _schema_errors("Response", body) == []
    assert body["status"] == "incomplete" and body["incomplete_details"] == {"reason": "max_output_tokens"}
    assert [i["type"] for i in body["output"]] == ["message"] and body["output"][0]["status"] == "incomplete"


def test_excluded_reasoning_has_no_item_but_is_counted() -> None:
    request = _decode(model="deepseek-r1", reasoning={"exclude": True})
    body = encode_result(request, ChatResult("A", "hidden", [], "stop", Usage(1, 9, reasoning_tokens=8)))
    assert [i["type"] for i in body["output"]] == ["message"]
    assert body["usage"]["output_tokens_details"]["reasoning_tokens"] == 8


def test_raw_mode_passes_usage_extras() -> None:
    body = encode_result(_decode(model="deepseek-reasoner", raw=True),
                         ChatResult("A", None, [], "stop", Usage(1, 2, extra={"prompt_cache_hit_tokens": 0})))
    assert body["usage"]["prompt_cache_hit_tokens"] == 0
    assert _schema_errors("Response", body) == []


# ----- encode: stream ----------------------------------------------------------------------------------------

MIXED: list[StreamEvent] = [
    ReasoningDelta("Check "), ReasoningDelta("the weather."),
    TextDelta("It is "), TextDelta("sunny."),
    ToolCallStart(0, "call_a", "get_weather"), ToolArgsDelta(0, '{"city":'), ToolArgsDelta(0, '"Paris"}'),
    ToolCallStart(1, "call_b", "get_time"), ToolArgsDelta(1, "{}"),
    Finished("tool_calls"), UsageReport(Usage(10, 20, reasoning_tokens=5)),
]


def test_stream_reasoning_text_and_parallel_calls() -> None:
    request = _decode(model="deepseek-r1", stream=True, tools=[WEATHER, TIME])
    events = _events(_stream(request, MIXED))
    assert [e["sequence_number"] for e in events] == list(range(len(events)))
    assert [(e["type"], e.get("output_index")) for e in events] == [
        ("response.created", None), ("response.in_progress", None),
        ("response.output_item.added", 0), ("response.reasoning_text.delta", 0),
        ("response.reasoning_text.delta", 0), ("response.reasoning_text.done", 0), ("response.output_item.done", 0),
        ("response.output_item.added", 1), ("response.content_part.added", 1), ("response.output_text.delta", 1),
        ("response.output_text.delta", 1), ("response.output_text.done", 1), ("response.content_part.done", 1),
        ("response.output_item.done", 1),
        ("response.output_item.added", 2), ("response.function_call_arguments.delta", 2),
        ("response.function_call_arguments.delta", 2), ("response.function_call_arguments.done", 2),
        ("response.output_item.done", 2),
        ("response.output_item.added", 3), ("response.function_call_arguments.delta", 3),
        ("response.function_call_arguments.done", 3), ("response.output_item.done", 3),
        ("response.completed", None),
    ]
    created, in_progress, completed = events[0], events[1], events[-1]
    assert created["response"]["status"] == in_progress["response"]["status"] == "in_progress"
    assert created["response"]["output"] == [] and created["response"]["usage"] is None
    assert created["response"]["id"] == completed["response"]["id"]
    by_type = {e["type"]: e for e in events}
    assert by_type["response.reasoning_text.done"]["text"] == "Check the weather."
    assert by_type["response.output_text.done"]["text"] == "It is sunny."
    assert by_type["response.content_part.done"]["part"]["text"] == "It is sunny."
    added = [e for e in events if e["type"] == "response.output_item.added"]
    assert added[2]["item"]["arguments"] == "" and added[2]["item"]["status"] == "in_progress"
    args_done = [e for e in events if e["type"] == "response.function_call_arguments.done"]
    assert [e["arguments"] for e in args_done] == ['{"city":"Paris"}', "{}"]
    done_items = [e["item"] for e in events if e["type"] == "response.output_item.done"]
    assert [i["id"] for i in done_items] == [i["item"]["id"] for i in added]
    for event in events:
        if "item_id" in event:
            assert event["item_id"] == done_items[event["output_index"]]["id"]
    final = completed["response"]
    assert final["status"] == "completed" and final["output"] == done_items
    assert [i.get("call_id") for i in final["output"]] == [None, None, "call_a", "call_b"]
    assert final["usage"]["total_tokens"] == 30 and final["usage"]["output_tokens_details"]["reasoning_tokens"] == 5
    whole = encode_result(request, FULL)
    strip = ("id",)
    assert [{k: v for k, v in i.items() if k not in strip} for i in final["output"]] == [
        {k: v for k, v in i.items() if k not in strip} for i in whole["output"]]


def test_stream_events_parse_as_sdk_types() -> None:
    request = _decode(model="deepseek-r1", stream=True, tools=[WEATHER, TIME])
    for event in _events(_stream(request, MIXED)):
        SDK_EVENT.validate_python(event)


def test_stream_incomplete_on_length() -> None:
    events = _events(_stream(_decode(stream=True), [TextDelta("Cut"), Finished("length"), UsageReport(Usage(1, 1))]))
    assert [e["sequence_number"] for e in events] == list(range(len(events)))
    last = events[-1]
    assert last["type"] == "response.incomplete" and [e["type"] for e in events].count("response.completed") == 0
    assert last["response"]["incomplete_details"] == {"reason": "max_output_tokens"}
    assert last["response"]["output"][0]["status"] == "incomplete"


def test_stream_with_excluded_reasoning_has_no_reasoning_item() -> None:
    request = _decode(model="deepseek-r1", stream=True, reasoning={"exclude": True})
    events = _events(_stream(request, [ReasoningDelta("secret"), TextDelta("A"), Finished("stop")]))
    assert not any("reasoning" in e["type"] for e in events)
    assert [i["type"] for i in events[-1]["response"]["output"]] == ["message"]


def test_text_after_tool_call_opens_a_new_message_item() -> None:
    events = _events(_stream(_decode(stream=True, tools=[WEATHER]), [
        TextDelta("Let me look."), ToolCallStart(0, "call_a", "get_weather"), ToolArgsDelta(0, "{}"),
        TextDelta("Done."), Finished("stop"),
    ]))
    assert [i["type"] for i in events[-1]["response"]["output"]] == ["message", "function_call", "message"]


def test_failure_mid_stream_is_error_then_failed() -> None:
    failure = UpstreamError("The model provider failed while answering.")
    events = _events(_stream(_decode(stream=True), [TextDelta("Half")], failure))
    assert [e["sequence_number"] for e in events] == list(range(len(events)))
    assert [e["type"] for e in events][-2:] == ["error", "response.failed"]
    error, failed = events[-2], events[-1]
    assert (error["code"], error["message"], error["param"]) == ("upstream_error", failure.message, None)
    response = failed["response"]
    assert response["status"] == "failed" and response["error"] == {"code": "upstream_error",
                                                                     "message": failure.message}
    assert response["output"][0]["status"] == "incomplete"
    assert response["output"][0]["content"][0]["text"] == "Half"
    assert response["id"] == events[0]["response"]["id"]
    assert not any(e["type"] in ("response.completed", "response.incomplete") for e in events)


# ----- the official SDK consumes both shapes -----------------------------------------------------------------


def _client(payload: bytes, content_type: str) -> openai.OpenAI:
    def handler(request: httpx2.Request) -> httpx2.Response:
        return httpx2.Response(200, content=payload, headers={"content-type": content_type})

    return openai.OpenAI(api_key="sk-test", base_url="http://gateway.test/v1",
                         http_client=httpx2.Client(transport=httpx2.MockTransport(handler)))


def test_sdk_stream_accumulates_the_stream() -> None:
    request = _decode(model="deepseek-r1", stream=True, tools=[WEATHER, TIME])
    client = _client(_stream(request, MIXED), "text/event-stream")
    with client.responses.stream(model="deepseek-r1", input="hi") as stream:
        kinds = [event.type for event in stream]
        final = stream.get_final_response()
    assert kinds[0] == "response.created" and kinds[-1] == "response.completed"
    assert final.output_text == "It is sunny."
    calls = [item for item in final.output if item.type == "function_call"]
    assert [(c.call_id, c.arguments) for c in calls] == [("call_a", '{"city":"Paris"}'), ("call_b", "{}")]
    assert final.usage is not None and final.usage.total_tokens == 30


def test_sdk_parses_the_whole_response() -> None:
    body = encode_result(_decode(model="deepseek-r1", tools=[WEATHER, TIME]), FULL)
    response = _client(json.dumps(body).encode(), "application/json").responses.create(model="deepseek-r1",
                                                                                        input="hi")
    assert response.output_text == "It is sunny." and response.status == "completed"
    assert response.usage is not None and response.usage.output_tokens_details.reasoning_tokens == 5


def test_sdk_reads_a_failed_stream_to_its_end() -> None:
    frames = _stream(_decode(stream=True), [TextDelta("Half")], UpstreamError("The model provider failed."))
    with _client(frames, "text/event-stream").responses.stream(model="seed-2-0-pro", input="hi") as stream:
        kinds = [event.type for event in stream]
    assert kinds[-2:] == ["error", "response.failed"]


# ----- the complete Response object (D-40), summaries (D-41), free tool_choice (D-42) -----------------------


@pytest.mark.parametrize("choice", ["auto", "none"])
def test_auto_and_none_need_no_tools(choice: str) -> None:
    ir = _decode(tool_choice=choice)
    assert ir.tool_choice is None and ir.tools == []
    assert ir.echo["tool_choice"] == choice and ir.echo["tools"] == []


def test_response_echoes_every_setting_as_used() -> None:
    request = _decode(temperature=0.3, presence_penalty=0.5, max_tool_calls=3, prompt_cache_key="k",
                      safety_identifier="s", user="u", store=True, metadata={"a": "b"})
    body = encode_result(request, FULL)
    assert _schema_errors("Response", body) == []
    assert (body["temperature"], body["top_p"], body["presence_penalty"], body["frequency_penalty"]) == (
        0.3, 1.0, 0.5, 0.0)
    assert (body["max_tool_calls"], body["prompt_cache_key"], body["safety_identifier"], body["user"]) == (
        3, "k", "s", "u")
    assert (body["store"], body["background"], body["truncation"], body["service_tier"], body["top_logprobs"]) == (
        True, False, "disabled", "default", 0)
    assert body["metadata"] == {"a": "b"} and body["reasoning"] == {"effort": None, "summary": None}
    assert request.passthrough["presence_penalty"] == 0.5
    parsed = openai.types.responses.Response.model_validate(body)
    assert parsed.temperature == 0.3 and parsed.truncation == "disabled"


def test_documented_defaults_are_echoed() -> None:
    """D-61: the defaults filled in after decoding (what the upstream gets) are what the object echoes."""
    request = with_defaults(_decode(model="deepseek-v4-pro"))
    body = encode_result(request, FULL)
    assert (body["temperature"], body["top_p"], body["max_output_tokens"]) == (0.7, 0.9, 4096)
    assert body["reasoning"]["effort"] == "medium" == request.reasoning.effort
    given = encode_result(with_defaults(_decode(model="deepseek-v4-pro", temperature=0.2, max_output_tokens=99)), FULL)
    assert (given["temperature"], given["top_p"], given["max_output_tokens"]) == (0.2, 0.9, 99)


def test_background_is_400() -> None:
    with pytest.raises(InvalidRequest) as caught:
        _decode(background=True)
    assert (caught.value.code, caught.value.param) == ("unsupported_parameter", "background")
    assert _decode(background=False).echo["background"] is False


def test_summary_requested_is_summary_text_alongside_content() -> None:
    request = _decode(model="deepseek-r1", reasoning={"summary": "auto"})
    body = encode_result(request, FULL)
    assert _schema_errors("Response", body) == []
    reasoning = body["output"][0]
    assert reasoning["summary"] == [{"type": "summary_text", "text": "Check the weather."}]
    assert reasoning["content"] == [{"type": "reasoning_text", "text": "Check the weather."}]
    assert body["reasoning"]["summary"] == "auto"


def test_summary_on_a_model_without_reasoning_controls_is_accepted() -> None:
    assert _decode(reasoning={"summary": "detailed"}).echo["reasoning"]["summary"] == "detailed"


def test_stream_summary_events() -> None:
    request = _decode(model="deepseek-r1", stream=True, tools=[WEATHER, TIME], reasoning={"summary": "concise"})
    events = _events(_stream(request, MIXED))
    kinds = [e["type"] for e in events if e.get("output_index") == 0]
    assert kinds == [
        "response.output_item.added", "response.reasoning_summary_part.added",
        "response.reasoning_text.delta", "response.reasoning_summary_text.delta",
        "response.reasoning_text.delta", "response.reasoning_summary_text.delta",
        "response.reasoning_text.done", "response.reasoning_summary_text.done", "response.reasoning_summary_part.done",
        "response.output_item.done",
    ]
    done = next(e for e in events if e["type"] == "response.reasoning_summary_text.done")
    item = next(e for e in events if e["type"] == "response.output_item.done")["item"]
    assert item["summary"] == [{"type": "summary_text", "text": done["text"]}] and done["text"]
    for event in events:
        SDK_EVENT.validate_python(event)
    created, completed = events[0]["response"], events[-1]["response"]
    settings = ("temperature", "top_p", "store", "truncation", "reasoning", "tool_choice", "service_tier")
    assert {k: created[k] for k in settings} == {k: completed[k] for k in settings}
