"""The official ``openai`` SDK as a real client of the deployment's ``/v1/responses``.

``client.responses.create`` and ``client.responses.stream`` (whose event accumulator rebuilds the
response from the events, so an event stream that breaks the SDK's expectations fails here), and a stored
conversation: ``previous_response_id``, ``retrieve``, ``input_items.list`` and ``delete`` (D-53, D-54). The SDK's
HTTP client runs over the session's contract transport; ``max_retries=0``.
"""

from __future__ import annotations

import json
from typing import Any

import openai
import pytest

from suites import tools
from suites.checks import holds
from suites.checks import stored_responses as _rules  # noqa: F401  (registers the stored-Responses rules)
from suites.client import ApiClient
from suites.discovery import Discovery
from suites.plugin import Target
from suites.responses_stream import plain_model, reasoners, reasoning_extra, tool_models
from suites.sdk import openai_client
from suites.selection import owner_first
from suites.transport import ContractTransport

HELLO = "Say hello in one short sentence."
WEATHER: Any = tools.SDK_WEATHER.responses()


@pytest.fixture
def model(api: ApiClient, discovery: Discovery) -> str:
    return str(plain_model(discovery, api)["id"])


@pytest.mark.rule("sdk_openai", "response_id_prefix", "model_echoed", "incomplete_details")
def test_sdk_responses_create(openai_sdk: openai.OpenAI, model: str) -> None:
    response = openai_sdk.responses.create(model=model, input=HELLO, instructions="Answer briefly.")
    holds("response_id_prefix", bool(response.id.startswith("resp_")),
          str(response.id))
    holds("model_echoed", response.model == model, f"model {model!r}, got {response.model!r}")
    holds("response_status", response.status == "completed", f"status completed, got {response.status!r}")
    holds("sdk_openai", bool(response.output_text.strip()),
          f"no output_text; output items {[i.type for i in response.output]}")
    holds("responses_usage_total", bool(response.usage is not None and response.usage.total_tokens == response.usage.input_tokens + response.usage.output_tokens),
          str(response.usage))
    limited = openai_sdk.responses.create(model=model, input="Write a long story about a lighthouse.", max_output_tokens=16)
    holds("incomplete_details", bool(limited.status == "incomplete" and limited.incomplete_details is not None and limited.incomplete_details.reason == "max_output_tokens"),
          str((limited.status, limited.incomplete_details)))


@pytest.mark.parametrize("kind", ["plain", "reasoner"])
@pytest.mark.rule("sdk_openai", "stream_created_in_progress_first", "reasoning_before_message")
def test_sdk_responses_stream(openai_sdk: openai.OpenAI, api: ApiClient, discovery: Discovery, kind: str) -> None:
    chosen = plain_model(discovery, api) if kind == "plain" else reasoners(discovery, api)[0]
    extra = reasoning_extra(chosen) if kind == "reasoner" else {}
    deltas: list[str] = []
    kinds: list[str] = []
    with openai_sdk.responses.stream(model=chosen["id"], input=HELLO, extra_body=extra or None) as stream:
        for event in stream:
            kinds.append(event.type)
            if event.type == "response.output_text.delta":
                deltas.append(event.delta)
        final = stream.get_final_response()
    holds("stream_created_in_progress_first", bool(kinds[:2] == ["response.created", "response.in_progress"] and kinds[-1] == "response.completed"),
          str(kinds))
    holds("response_status", final.status == "completed", f"status completed, got {final.status!r}")
    holds("model_echoed", final.model == chosen["id"], f"model {chosen['id']!r}, got {final.model!r}")
    holds("final_output_matches_events", bool(final.output_text == "".join(deltas)),
          f"get_final_response().output_text {final.output_text!r:.120} != the streamed deltas {''.join(deltas)!r:.120}")
    holds("message_output_text", bool(final.output_text.strip()),
          "no text")
    if kind == "reasoner":
        types = [item.type for item in final.output]
        holds("reasoning_before_message", bool("reasoning" in types and types.index("reasoning") < types.index("message")),
              f"output items {types}")


@pytest.mark.parametrize("stream", [False, True], ids=["non-stream", "stream"])
@pytest.mark.rule("sdk_openai", "tool_round_trip")
def test_sdk_responses_function_call(openai_sdk: openai.OpenAI, api: ApiClient, discovery: Discovery, stream: bool) -> None:
    chosen = min(tool_models(discovery, api), key=owner_first("openai"))
    ask = "What is the weather in Paris? Use the get_weather tool."
    first: Any
    if stream:
        with openai_sdk.responses.stream(model=chosen["id"], input=ask, tools=[WEATHER], tool_choice="required") as events:
            names = [event.type for event in events]
            first = events.get_final_response()
        for needed in ("response.output_item.added", "response.function_call_arguments.done", "response.output_item.done"):
            holds("sdk_openai", bool(needed in names),
                  f"{needed} missing from the stream: {names}")
    else:
        first = openai_sdk.responses.create(model=chosen["id"], input=ask, tools=[WEATHER], tool_choice="required")
    calls = [item for item in first.output if item.type == "function_call"]
    holds("tool_choice_modes", bool(calls and calls[0].name == "get_weather"),
          f"output items {[i.type for i in first.output]}")
    arguments = json.loads(calls[0].arguments)
    holds("tool_choice_modes", bool({"location", "unit"} <= set(arguments)),
          f"arguments {calls[0].arguments!r}")
    follow_up: Any = [{"role": "user", "content": ask},
                      *[{"type": "function_call", "call_id": c.call_id, "name": c.name, "arguments": c.arguments} for c in calls],
                      *[{"type": "function_call_output", "call_id": c.call_id, "output": "Sunny, 21 degrees"} for c in calls]]
    second = openai_sdk.responses.create(model=chosen["id"], input=follow_up, tools=[WEATHER])
    holds("tool_round_trip", bool(second.status == "completed" and second.output_text.strip()),
          str((second.status, second.output_text)))


SETTINGS: dict[str, Any] = {"temperature": 0.5, "top_p": 0.9, "max_output_tokens": 64, "user": "sdk-user",
                            "prompt_cache_key": "sdk-cache", "safety_identifier": "sdk-safety",
                            "metadata": {"suite": "sdk"}}


def _settings_of(response: Any) -> dict[str, Any]:
    return {k: getattr(response, k) for k in ("temperature", "top_p", "max_output_tokens", "user", "prompt_cache_key",
                                              "safety_identifier", "metadata")}


@pytest.mark.parametrize("stream", [False, True], ids=["non-stream", "stream"])
@pytest.mark.rule("sdk_openai", "response_fields_complete", "response_settings_echoed")
def test_sdk_response_fields(openai_sdk: openai.OpenAI, model: str, stream: bool) -> None:
    response: Any
    if stream:
        with openai_sdk.responses.stream(model=model, input=HELLO, **SETTINGS) as events:
            created = next(e for e in events if e.type == "response.created").response
            for _ in events:
                pass
            response = events.get_final_response()
        responses = [created, response]
    else:
        response = openai_sdk.responses.create(model=model, input=HELLO, **SETTINGS)
        responses = [response]
    for parsed in responses:
        unset = [k for k in ("truncation", "store", "background", "service_tier", "top_logprobs", "temperature",
                             "top_p", "text", "reasoning") if getattr(parsed, k) is None]
        holds("response_fields_complete", not unset, f"the SDK's Response has no {unset}")
        holds("response_settings_echoed", _settings_of(parsed) == SETTINGS,
              f"sent {SETTINGS}, the SDK read {_settings_of(parsed)}")


@pytest.mark.parametrize("stream", [False, True], ids=["non-stream", "stream"])
@pytest.mark.rule("sdk_openai", "reasoning_summary_text")
def test_sdk_reasoning_summary(openai_sdk: openai.OpenAI, api: ApiClient, discovery: Discovery, stream: bool) -> None:
    chosen = reasoners(discovery, api)[0]
    extra = reasoning_extra(chosen)
    extra["reasoning"] = {**(extra.get("reasoning") or {}), "summary": "auto"}
    response: Any
    if stream:
        with openai_sdk.responses.stream(model=chosen["id"], input=HELLO, extra_body=extra) as events:
            deltas = [e.delta for e in events if e.type == "response.reasoning_summary_text.delta"]
            response = events.get_final_response()
        holds("reasoning_summary_text", bool("".join(deltas).strip()), "no reasoning_summary_text.delta events")
    else:
        response = openai_sdk.responses.create(model=chosen["id"], input=HELLO, extra_body=extra)
    summaries = [part.text for item in response.output if item.type == "reasoning" for part in item.summary]
    holds("reasoning_summary_text", bool("".join(summaries).strip()),
          f"reasoning.summary requested; the reasoning items' summaries are {summaries}")


@pytest.mark.parametrize("stream", [False, True], ids=["non-stream", "stream"])
@pytest.mark.rule("sdk_openai", "call_id_not_item_id", "returned_items_round_trip")
def test_sdk_returned_items_round_trip(openai_sdk: openai.OpenAI, api: ApiClient, discovery: Discovery,
                                       stream: bool) -> None:
    chosen = min(tool_models(discovery, api), key=owner_first("openai"))
    ask = "What is the weather in Paris? Use the get_weather tool."
    first: Any
    if stream:
        with openai_sdk.responses.stream(model=chosen["id"], input=ask, tools=[WEATHER], tool_choice="required") as events:
            for _ in events:
                pass
            first = events.get_final_response()
    else:
        first = openai_sdk.responses.create(model=chosen["id"], input=ask, tools=[WEATHER], tool_choice="required")
    calls = [item for item in first.output if item.type == "function_call"]
    holds("tool_choice_modes", bool(calls), f"output items {[i.type for i in first.output]}")
    holds("call_id_not_item_id", all(c.call_id != c.id for c in calls),
          f"(id, call_id) pairs {[(c.id, c.call_id) for c in calls]}")
    follow_up: Any = [{"role": "user", "content": ask}, *[item.model_dump(exclude_none=True) for item in first.output],
                      *[{"type": "function_call_output", "call_id": c.call_id, "output": "Sunny, 21 degrees"}
                        for c in calls]]
    second = openai_sdk.responses.create(model=chosen["id"], input=follow_up, tools=[WEATHER])
    holds("returned_items_round_trip", bool(second.status == "completed" and second.output_text.strip()),
          str((second.status, second.output_text)))


def _comparable(response: Any) -> dict[str, Any]:
    """The response's fields, its output reduced to (type, id, text) per item (a stream's final response is
    the SDK's ``ParsedResponse``, whose parts carry a ``parsed`` field the wire never had)."""
    out: dict[str, Any] = response.model_dump()
    out["output"] = [(i.type, i.id, "".join(getattr(p, "text", "") for p in getattr(i, "content", None) or ()))
                     for i in response.output]
    return out


def _input_tokens(response: Any) -> int:
    return int(response.usage.input_tokens) if response.usage is not None else 0


@pytest.mark.parametrize("stream", [False, True], ids=["non-stream", "stream"])
@pytest.mark.rule("sdk_openai", "previous_response_continues", "stored_response_retrieved", "input_items_listed",
                  "response_deleted", "previous_response_not_found", "store_false_not_stored")
def test_sdk_stored_conversation(openai_sdk: openai.OpenAI, model: str, stream: bool) -> None:
    said = ["Remember the codeword heliotrope.", "Confirm briefly."]
    first = openai_sdk.responses.create(model=model, input=[{"role": "user", "content": t} for t in said],
                                        instructions="Answer briefly.")
    listed = [getattr(p, "text", "") for i in openai_sdk.responses.input_items.list(first.id)
              for p in (getattr(i, "content", None) or ())]
    holds("input_items_listed", listed == said[::-1], f"input_items newest first should be {said[::-1]}: {listed}")
    question = "Which codeword did I give you?"
    second: Any
    if stream:
        with openai_sdk.responses.stream(model=model, input=question, previous_response_id=first.id) as events:
            for _ in events:
                pass
            second = events.get_final_response()
    else:
        second = openai_sdk.responses.create(model=model, input=question, previous_response_id=first.id)
    alone = openai_sdk.responses.create(model=model, input=question, store=False)
    holds("previous_response_continues", second.previous_response_id == first.id
          and _input_tokens(second) > _input_tokens(alone),
          f"previous_response_id {second.previous_response_id!r}; input tokens continued {_input_tokens(second)}, "
          f"alone {_input_tokens(alone)}")
    try:
        openai_sdk.responses.retrieve(alone.id)
    except openai.NotFoundError:
        pass
    else:
        holds("store_false_not_stored", False, "a store=False response was retrieved")
    retrieved, created = _comparable(openai_sdk.responses.retrieve(second.id)), _comparable(second)
    differs = sorted(k for k in set(retrieved) | set(created) if retrieved.get(k) != created.get(k))
    holds("stored_response_retrieved", not differs,
          f"retrieve() differs from the created response in {differs}: "
          f"{[(created.get(k), retrieved.get(k)) for k in differs][:2]}")
    items = list(openai_sdk.responses.input_items.list(second.id))
    texts = [getattr(part, "text", "") for item in items for part in (getattr(item, "content", None) or ())]
    holds("input_items_listed", texts == [question], f"input_items of the second turn: {texts}")
    deleted = openai_sdk.responses.with_raw_response.delete(second.id)
    holds("response_deleted", deleted.status_code == 200 and deleted.http_response.json().get("deleted") is True,
          f"delete(): {deleted.status_code} {deleted.http_response.text[:200]!r}")
    try:
        openai_sdk.responses.retrieve(second.id)
    except openai.NotFoundError:
        pass
    else:
        holds("response_deleted", False, "retrieve() after delete() succeeded")
    try:
        openai_sdk.responses.create(model=model, input=question, previous_response_id=second.id)
    except openai.BadRequestError as error:
        holds("previous_response_not_found", error.code == "previous_response_not_found",
              f"continuing a deleted response: code {error.code!r}")
    else:
        holds("previous_response_not_found", False, "continuing a deleted response succeeded")


@pytest.mark.rule("sdk_openai", "stored_response_isolated")
def test_sdk_other_account_cannot_use_a_response(openai_sdk: openai.OpenAI, target: Target,
                                                 contract_transport: ContractTransport, model: str,
                                                 other_account_key: str) -> None:
    first = openai_sdk.responses.create(model=model, input=HELLO)
    other = openai_client(target, contract_transport, key=other_account_key)
    try:
        for attempt in ("retrieve", "continue"):
            try:
                if attempt == "retrieve":
                    other.responses.retrieve(first.id)
                else:
                    other.responses.create(model=model, input=HELLO, previous_response_id=first.id)
            except (openai.NotFoundError, openai.BadRequestError):
                continue
            holds("stored_response_isolated", False, f"another account's client could {attempt} the response")
    finally:
        other.close()
