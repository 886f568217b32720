"""Anthropic Messages streaming: the named-event sequence, per provider.

Streams are collected event by event (:func:`suites.anthropic_stream.stream_messages`); the contract
transport has validated each event's shape as it arrived, so these checks are about order, which block
each event belongs to, counts, and the relation between a stream and the message it builds (D-21, D-29).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from suites import tools
from suites.anthropic_stream import (
    AnthropicStream,
    create,
    message_body,
    per_provider,
    reasoners,
    reasoning_extra,
    stream_messages,
    tool_models,
)
from suites.checks import chat as leaks
from suites.checks import holds
from suites.checks import messages as checks
from suites.client import ApiClient
from suites.discovery import Discovery
from suites.selection import Failures, each_model
from suites.streams import StreamCache

WEATHER = tools.STREAM_WEATHER.messages()
REASON = "Is 17 prime? Answer briefly."
Streams = StreamCache[AnthropicStream]


@pytest.fixture(scope="session")
def message_streams() -> Streams:
    return StreamCache(stream_messages)


Check = Callable[[dict[str, Any], AnthropicStream], object]


def _each(api: ApiClient, discovery: Discovery, cache: Streams, check: Check, *, kinds: bool = False) -> None:
    """``check`` on a plain stream per provider; with ``kinds`` also on a reasoner's stream (thinking
    blocks) and a forced tool call (tool_use blocks) per provider."""
    groups = [("", lambda: per_provider(discovery, api), lambda m: cache.get(api, message_body(m)))]
    if kinds:
        groups += [
            (" (thinking)", lambda: reasoners(discovery, api),
             lambda m: cache.get(api, message_body(m, REASON, **reasoning_extra(m)))),
            (" (tool_use)", lambda: tool_models(discovery, api),
             lambda m: cache.get(api, message_body(m, "What is the weather in Paris?", tools=[WEATHER],
                                                   tool_choice={"type": "any"}))),
        ]
    each_model(groups, check)


@pytest.mark.rule("stream_event_name_is_type", "model_echoed")
def test_stream_per_provider(api: ApiClient, discovery: Discovery, message_streams: Streams) -> None:
    def check(model: dict[str, Any], result: AnthropicStream) -> None:
        checks.event_order(result.names, result.payloads)
        checks.message_start_rules(result.payloads, model["id"])
        blocks = checks.blocks_in_order(result.payloads)
        checks.message_delta_rules(result.payloads, expected="end_turn")
        holds("text_block", bool(result.text.strip()),
              "the joined text_delta text is empty")
        holds("text_block", bool(any(b.get("type") == "text" for b in blocks)),
              f"no text block among {[b.get('type') for b in blocks]}")
        leaks.no_leaks(result.headers)

    _each(api, discovery, message_streams, check)


@pytest.mark.rule("stream_message_start_first", "stream_one_message_start", "stream_message_stop_last", "stream_message_delta_before_stop")
def test_stream_event_order(api: ApiClient, discovery: Discovery, message_streams: Streams) -> None:
    _each(api, discovery, message_streams, lambda model, r: checks.event_order(r.names, r.payloads), kinds=True)


@pytest.mark.rule("message_start_empty_content", "message_start_no_stop_reason", "message_start_input_tokens")
def test_message_start_rules(api: ApiClient, discovery: Discovery, message_streams: Streams) -> None:
    _each(api, discovery, message_streams, lambda model, r: checks.message_start_rules(r.payloads, model["id"]))


@pytest.mark.rule("block_index_sequence", "block_closed_before_next", "delta_type_matches_block")
def test_blocks_open_and_close_in_order(api: ApiClient, discovery: Discovery, message_streams: Streams) -> None:
    _each(api, discovery, message_streams, lambda model, r: checks.blocks_in_order(r.payloads), kinds=True)


@pytest.mark.rule("message_delta_stop_reason", "message_delta_output_tokens")
def test_message_delta_rules(api: ApiClient, discovery: Discovery, message_streams: Streams) -> None:
    _each(api, discovery, message_streams, lambda model, r: checks.message_delta_rules(r.payloads), kinds=True)


@pytest.mark.rule("stream_matches_non_stream")
def test_stream_matches_non_stream(api: ApiClient, discovery: Discovery, mock_upstreams: bool) -> None:
    """Deterministic upstreams: the blocks a stream builds equal the non-stream message's content, and the
    stop reason and output tokens agree."""
    failures = Failures()
    bodies = [(m, message_body(m)) for m in per_provider(discovery, api)]
    bodies += [(m, message_body(m, REASON, **reasoning_extra(m))) for m in reasoners(discovery, api)]
    for model, body in bodies:
        with failures.check(f"{model['owned_by']}/{model['id']}{' (thinking)' if 'thinking' in json.dumps(body) else ''}"):
            response = create(api, body)
            holds("valid_request_200", bool(response.status_code == 200),
                  f"{response.status_code}: {response.text[:300]!r}")
            message = response.json()
            result = stream_messages(api, body)
            blocks = checks.blocks_in_order(result.payloads)
            delta = checks.message_delta_rules(result.payloads)
            text = checks.text_of(message)
            holds("stream_matches_non_stream", bool(result.text == text),
                  f"stream text {result.text!r:.160} != non-stream text {text!r:.160}")
            thinking = "".join(b.get("thinking") or "" for b in message["content"] if b.get("type") == "thinking")
            holds("stream_matches_non_stream", bool(result.thinking == thinking),
                  f"stream thinking {result.thinking!r:.120} != non-stream {thinking!r:.120}")
            kinds = [b.get("type") for b in message["content"]]
            holds("stream_matches_non_stream", bool([b.get("type") for b in blocks] == kinds),
                  f"stream blocks {[b.get('type') for b in blocks]} != {kinds}")
            holds("stream_matches_non_stream", bool(delta["delta"]["stop_reason"] == message["stop_reason"]),
                  f"stream stop_reason {delta['delta']['stop_reason']!r} != non-stream {message['stop_reason']!r}")
            holds("stream_matches_non_stream", bool(delta["usage"]["output_tokens"] == message["usage"]["output_tokens"]),
                  f"stream output_tokens {delta['usage']['output_tokens']} != non-stream {message['usage']['output_tokens']}")
    failures.raise_any()


# Positions late enough that every family has sent text before the failure (an Anthropic upstream's
# first three events — message_start, ping, content_block_start — carry no output yet, and a failure
# before any output may still be a plain HTTP error, D-27).
@pytest.mark.parametrize("fault", ["midstream:6", "cut:7"], ids=["midstream", "cut"])
@pytest.mark.rule("stream_one_error_event", "stream_error_named", "stream_error_envelope", "stream_error_no_message_stop")
def test_midstream_failure_is_error_event(api: ApiClient, discovery: Discovery, mock_upstreams: bool,
                                          fault: str) -> None:
    failures = Failures()
    for model in per_provider(discovery, api):
        with failures.check(f"{model['owned_by']}/{model['id']}"):
            body = message_body(model, f"[[mock:fault={fault}]] Write a long story about a lighthouse.")
            result = stream_messages(api, body)
            error = checks.stream_error_event(result.names, result.payloads)
            holds("anthropic_error_type", bool(error["type"] in ("api_error", "overloaded_error")),
                  f"an upstream failure mid-stream is api_error or overloaded_error, got {error['type']!r}")
            holds("stream_error_no_message_stop", bool(not result.of_type("message_delta")),
                  "a failed stream must not report a stop_reason (message_delta)")
            leaks.no_leaks(result.raw)
            leaks.no_leaks(result.headers)
    failures.raise_any()
