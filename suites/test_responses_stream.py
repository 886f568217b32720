"""OpenAI Responses streaming: the event sequence per output item, sequence numbers, ``.done`` events
and the final response carrying what the deltas built, and in-band failures (D-11, D-17).

Streams are collected event by event (:func:`suites.responses_stream.stream_responses`); the contract
transport has validated each event's shape as it arrived, so these checks are about order, counts and
the relations between events.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from suites import tools
from suites.checks import chat as leaks
from suites.checks import holds
from suites.checks import responses as checks
from suites.client import ApiClient
from suites.discovery import Discovery
from suites.responses_stream import (
    ResponsesStream,
    per_provider,
    reasoners,
    reasoning_extra,
    response_body,
    stream_responses,
    tool_models,
)
from suites.selection import Failures, each_model
from suites.streams import StreamCache

WEATHER = tools.STREAM_WEATHER.responses()
Streams = StreamCache[ResponsesStream]


@pytest.fixture(scope="session")
def response_streams() -> Streams:
    return StreamCache(stream_responses)


Check = Callable[[dict[str, Any], ResponsesStream], object]


def _each(api: ApiClient, discovery: Discovery, cache: Streams, check: Check, *, kinds: bool = True) -> None:
    """``check`` on a plain stream per provider and, with ``kinds``, on a reasoner's stream (a reasoning
    item) and a forced function call (function_call items) per provider."""
    groups = [("", lambda: per_provider(discovery, api), lambda m: cache.get(api, response_body(m)))]
    if kinds:
        groups += [
            (" (reasoning)", lambda: reasoners(discovery, api),
             lambda m: cache.get(api, response_body(m, "Is 17 prime? Answer briefly.", **reasoning_extra(m)))),
            (" (function_call)", lambda: tool_models(discovery, api),
             lambda m: cache.get(api, response_body(m, "What is the weather in Paris?", tools=[WEATHER],
                                                    tool_choice="required"))),
        ]
    each_model(groups, check)


@pytest.mark.rule("final_output_matches_events", "sequence_number_increases", "responses_id_stable")
def test_stream_per_provider(api: ApiClient, discovery: Discovery, response_streams: Streams) -> None:
    def check(model: dict[str, Any], result: ResponsesStream) -> None:
        checks.sequence_numbers(result.payloads)
        checks.event_sequence(result.payloads)
        final = checks.final_matches_events(result.payloads)
        text = checks.response_answer(final, model["id"], status="completed")
        holds("final_output_matches_events", bool(text == result.text),
              f"the final response's text {text!r:.120} != the joined deltas {result.text!r:.120}")
        checks.usage_adds_up(final["usage"])
        ids = {p["response"]["id"] for p in result.payloads if isinstance(p.get("response"), dict)}
        holds("responses_id_stable", bool(len(ids) == 1),
              f"the response id changes within the stream: {sorted(ids)}")
        leaks.no_leaks(result.headers)

    _each(api, discovery, response_streams, check, kinds=False)


@pytest.mark.rule("stream_created_in_progress_first", "item_event_order", "stream_terminal_last")
def test_event_sequence(api: ApiClient, discovery: Discovery, response_streams: Streams) -> None:
    _each(api, discovery, response_streams, lambda model, r: checks.event_sequence(r.payloads))


@pytest.mark.rule("sequence_number_present", "sequence_number_increases", "sequence_number_start")
def test_sequence_numbers_increase(api: ApiClient, discovery: Discovery, response_streams: Streams) -> None:
    starts: dict[int, list[str]] = {}

    def check(model: dict[str, Any], result: ResponsesStream) -> None:
        starts.setdefault(checks.sequence_numbers(result.payloads), []).append(model["id"])

    _each(api, discovery, response_streams, check)
    holds("sequence_number_start", bool(len(starts) <= 1),
          f"streams start their sequence_number at different values: {starts}")


@pytest.mark.rule("done_carries_full_text", "item_done_carries_full_text")
def test_done_events_carry_full_text(api: ApiClient, discovery: Discovery, response_streams: Streams) -> None:
    _each(api, discovery, response_streams, lambda model, r: checks.final_matches_events(r.payloads))


# Positions late enough that every family has sent output before the failure (a failure before any
# output may still be a plain HTTP error, D-27).
@pytest.mark.parametrize("fault", ["midstream:6", "cut:7"], ids=["midstream", "cut"])
@pytest.mark.rule("failed_not_completed", "failed_response_error", "stream_ends_response_failed", "error_then_failed")
def test_midstream_failure_is_response_failed(api: ApiClient, discovery: Discovery, mock_upstreams: bool,
                                              fault: str) -> None:
    failures = Failures()
    for model in per_provider(discovery, api):
        with failures.check(f"{model['owned_by']}/{model['id']}"):
            body = response_body(model, f"[[mock:fault={fault}]] Write a long story about a lighthouse.")
            result = stream_responses(api, body)
            checks.sequence_numbers(result.payloads)
            error = checks.stream_failed(result.payloads)
            holds("error_code", bool(error.get("code") in ("upstream_error", "model_unavailable")),
                  f"response.failed error code {error.get('code')!r}, expected upstream_error or model_unavailable")
            leaks.no_leaks(result.raw)
            leaks.no_leaks(result.headers)
    failures.raise_any()
