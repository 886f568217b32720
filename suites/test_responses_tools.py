"""OpenAI Responses function calling: every ``tool_choice`` mode, streamed argument events, parallel
``function_call`` items and the ``function_call_output`` round trip (D-18: the client sends the whole
conversation). Each check runs on one tool-capable model per provider."""

from __future__ import annotations

from typing import Any

import pytest

from suites import tools
from suites.checks import holds
from suites.checks import responses as checks
from suites.client import ApiClient
from suites.discovery import Discovery
from suites.responses_stream import create, plain_model, response_body, stream_responses, tool_models
from suites.selection import Failures
from suites.tools import ASK

WEATHER = tools.WEATHER.responses()
TIME = tools.TIME.responses()
CHOICES: dict[str, Any] = {
    "auto": "auto",
    "required": "required",
    "named": {"type": "function", "name": "get_weather"},
}


def _response(api: ApiClient, body: dict[str, Any], stream: bool) -> dict[str, Any]:
    """The final response of one request; streamed, after the event checks (sequence, item lifecycles,
    and that ``arguments.done`` / ``output_item.done`` / the final output carry the joined deltas)."""
    if not stream:
        response = create(api, body)
        holds("valid_request_200", bool(response.status_code == 200),
              f"{response.status_code}: {response.text[:300]!r}")
        return response.json()  # type: ignore[no-any-return]
    result = stream_responses(api, body)
    checks.sequence_numbers(result.payloads)
    checks.event_sequence(result.payloads)
    return checks.final_matches_events(result.payloads)


@pytest.mark.parametrize("stream", [False, True], ids=["non-stream", "stream"])
@pytest.mark.parametrize("mode", list(CHOICES))
@pytest.mark.rule("tool_choice_modes", "function_call_known", "function_call_arguments_schema")
def test_function_calls(api: ApiClient, discovery: Discovery, mode: str, stream: bool) -> None:
    failures = Failures()
    for model in tool_models(discovery, api):
        with failures.check(f"{model['owned_by']}/{model['id']}"):
            answer = _response(api, response_body(model, ASK, tools=[WEATHER], tool_choice=CHOICES[mode]), stream)
            checks.response_answer(answer, model["id"], status="completed", text=False)
            calls = checks.function_calls(answer)
            if mode == "auto" and not calls:  # the model may answer in text instead
                checks.response_answer(answer, model["id"])
                continue
            holds("tool_choice_modes", bool(calls),
                  f"tool_choice {mode}: no function_call item among {[i.get('type') for i in answer['output']]}")
            checks.function_calls_valid(calls, [WEATHER])
            if mode == "named":
                holds("tool_choice_modes", bool({c["name"] for c in calls} == {"get_weather"}),
                      f"named get_weather, calls to {[c['name'] for c in calls]}")
            holds("tool_choice_modes", bool(all(c.get("status") == "completed" for c in calls)),
                  f"call statuses {[c.get('status') for c in calls]}")
    failures.raise_any()




@pytest.mark.parametrize("stream", [False, True], ids=["non-stream", "stream"])
@pytest.mark.parametrize("choice", ["auto", "none"])
@pytest.mark.rule("tool_choice_free_without_tools", "response_settings_echoed")
def test_tool_choice_without_tools(api: ApiClient, discovery: Discovery, choice: str, stream: bool) -> None:
    model = plain_model(discovery, api)
    body = response_body(model, "Say hello.", tool_choice=choice, max_output_tokens=64)
    if not stream:
        response = create(api, body)
        holds("tool_choice_free_without_tools", response.status_code == 200,
              f"tool_choice {choice!r} without tools: {response.status_code} {response.text[:300]!r}")
        answer = response.json()
    else:
        result = stream_responses(api, {**body, "stream": True}, require_stream=False)
        holds("tool_choice_free_without_tools", result.status == 200,
              f"tool_choice {choice!r} without tools: {result.status} {result.body[:300]!r}")
        answer = checks.final_matches_events(result.payloads)
    checks.response_answer(answer, model["id"], status=None)
    holds("response_settings_echoed", answer.get("tool_choice") == choice and answer.get("tools") == [],
          f"tool_choice {choice!r} echoed as {answer.get('tool_choice')!r}, tools {answer.get('tools')!r}")


@pytest.mark.parametrize("stream", [False, True], ids=["non-stream", "stream"])
@pytest.mark.rule("call_id_not_item_id", "returned_items_round_trip")
def test_call_ids_and_returned_items_round_trip(api: ApiClient, discovery: Discovery, stream: bool) -> None:
    failures = Failures()
    for model in tool_models(discovery, api):
        with failures.check(f"{model['owned_by']}/{model['id']}"):
            first = _response(api, response_body(model, ASK, tools=[WEATHER], tool_choice="required"), stream)
            calls = checks.function_calls(first)
            holds("tool_choice_modes", bool(calls), f"no function_call among {[i.get('type') for i in first['output']]}")
            checks.call_ids_not_item_ids(calls)
            follow_up = [{"role": "user", "content": ASK}, *first["output"],
                         *[{"type": "function_call_output", "call_id": c["call_id"], "output": "Sunny, 21 degrees"}
                           for c in calls]]
            response = create(api, response_body(model, follow_up, tools=[WEATHER]))
            holds("returned_items_round_trip", response.status_code == 200,
                  f"the returned items sent back: {response.status_code} {response.text[:300]!r}")
            checks.response_answer(response.json(), model["id"])
    failures.raise_any()
