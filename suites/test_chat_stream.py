"""Chat Completions streaming: the invariants of the chunk sequence, per provider.

Streams are collected event by event with their arrival times (:func:`suites.chat.stream_chat`); the
contract transport has validated each event's shape as it arrived, so these checks are about order,
counts and relations between chunks.
"""

from __future__ import annotations

from typing import Any

import pytest

from suites.chat import (
    Failures,
    ResponseCache,
    StreamResult,
    chat_body,
    complete,
    need,
    per_provider,
    stream_chat,
)
from suites.checks import chat as checks
from suites.checks import errors, holds
from suites.client import ApiClient
from suites.contract import Contract
from suites.discovery import Discovery
from suites.plugin import Target


@pytest.fixture(scope="session")
def stream_cache() -> ResponseCache:
    return ResponseCache()


def _each_stream(api: ApiClient, discovery: Discovery, cache: ResponseCache, check: Any, **extra: Any) -> None:
    failures = Failures()
    for model in per_provider(discovery, api):
        with failures.check(f"{model['owned_by']}/{model['id']}"):
            check(model, cache.stream(api, chat_body(model, **extra)))
    failures.raise_any()


@pytest.mark.rule("stream_done", "model_echoed", "stream_identity_stable")
def test_stream_per_provider(api: ApiClient, discovery: Discovery, stream_cache: ResponseCache) -> None:
    def check(model: dict[str, Any], result: StreamResult) -> None:
        checks.done_terminates(result.data)
        checks.role_only_first(result.chunks)
        checks.one_finish_reason(result.chunks, expected="stop")
        holds("non_empty_content", bool(result.content.strip()),
              "the joined delta.content is empty")
        holds("model_echoed", bool(all(c.get("model") == model["id"] for c in result.payloads)),
              "chunks must echo the requested model id")

    _each_stream(api, discovery, stream_cache, check)


@pytest.mark.rule("stream_done", "stream_done_once", "stream_done_last")
def test_stream_ends_with_done(api: ApiClient, discovery: Discovery, stream_cache: ResponseCache) -> None:
    _each_stream(api, discovery, stream_cache, lambda model, result: checks.done_terminates(result.data))


@pytest.mark.rule("stream_role_first", "stream_role_once")
def test_role_only_in_first_delta(api: ApiClient, discovery: Discovery, stream_cache: ResponseCache) -> None:
    _each_stream(api, discovery, stream_cache, lambda model, result: checks.role_only_first(result.chunks))


@pytest.mark.rule("stream_one_finish_reason", "stream_nothing_after_finish")
def test_exactly_one_finish_reason(api: ApiClient, discovery: Discovery, stream_cache: ResponseCache) -> None:
    _each_stream(api, discovery, stream_cache, lambda model, result: checks.one_finish_reason(result.chunks))


@pytest.mark.rule("stream_identity_stable")
def test_id_and_created_stable(api: ApiClient, discovery: Discovery, stream_cache: ResponseCache) -> None:
    _each_stream(api, discovery, stream_cache, lambda model, result: checks.stable_identity(result.payloads))


@pytest.mark.rule("stream_no_empty_delta")
def test_no_empty_deltas(api: ApiClient, discovery: Discovery, stream_cache: ResponseCache) -> None:
    _each_stream(api, discovery, stream_cache, lambda model, result: checks.no_empty_deltas(result.chunks))


@pytest.mark.rule("stream_usage_chunk_once", "stream_usage_chunk_last", "stream_usage_only_last")
def test_usage_chunk_last_before_done(api: ApiClient, discovery: Discovery, stream_cache: ResponseCache) -> None:
    def check(model: dict[str, Any], result: StreamResult) -> None:
        checks.usage_chunk_last(result.data, result.payloads)
        checks.stable_identity(result.payloads)

    _each_stream(api, discovery, stream_cache, check, stream_options={"include_usage": True})


@pytest.mark.rule("stream_matches_non_stream")
def test_stream_matches_non_stream(api: ApiClient, discovery: Discovery, target: Target) -> None:
    if not target.mock_upstreams:
        pytest.skip("needs a deterministic deployment (--mock-upstreams): a real model's two answers differ")
    failures = Failures()
    for model in per_provider(discovery, api):
        with failures.check(f"{model['owned_by']}/{model['id']}"):
            response = complete(api, chat_body(model))
            holds("valid_request_200", bool(response.status_code == 200),
                  str(response.text[:300]))
            choice = response.json()["choices"][0]
            result = stream_chat(api, chat_body(model))
            content = choice["message"].get("content") or ""
            holds("stream_matches_non_stream", bool(result.content == content),
                  f"stream content {result.content!r:.200} != non-stream {content!r:.200}")
            reasoning = choice["message"].get("reasoning_content") or ""
            holds("stream_matches_non_stream", bool(result.reasoning == reasoning),
                  f"stream reasoning {result.reasoning!r:.120} != non-stream " f"{reasoning!r:.120}")
            checks.one_finish_reason(result.chunks, expected=choice["finish_reason"])
    failures.raise_any()


@pytest.mark.rule("stream_finish_reason", "max_tokens_bound")
def test_stream_length_finish(api: ApiClient, discovery: Discovery) -> None:
    failures = Failures()
    for model in per_provider(discovery, api):
        with failures.check(f"{model['owned_by']}/{model['id']}"):
            result = stream_chat(api, chat_body(model, "Write a long story about a lighthouse.", max_completion_tokens=3,
                                                stream_options={"include_usage": True}))
            checks.done_terminates(result.data)
            checks.one_finish_reason(result.chunks, expected="length")
            usage = checks.usage_chunk_last(result.data, result.payloads)
            reasoning = (usage.get("completion_tokens_details") or {}).get("reasoning_tokens") or 0
            holds("max_tokens_bound", bool(usage["completion_tokens"] - reasoning <= 3),
                  f"completion_tokens {usage} exceed the limit of 3")
    failures.raise_any()


@pytest.mark.parametrize("stream", [False, None, "absent"], ids=["stream-false", "stream-null", "stream-absent"])
@pytest.mark.rule("stream_options_needs_stream")
def test_stream_options_without_stream_is_400(api: ApiClient, contract: Contract, discovery: Discovery,
                                              stream: Any) -> None:
    model = need(discovery.plain_chat_model(), "chat model")
    body = chat_body(model, stream_options={"include_usage": True})
    if stream != "absent":
        body["stream"] = stream
    error = errors.openai_error(complete(api, body), contract, status=400, code="invalid_parameter",
                                type="invalid_request_error")
    holds("stream_options_needs_stream", bool(error["param"] == "stream_options"),
          f"param should name stream_options, got {error['param']!r}")


@pytest.mark.rule("stream_not_buffered")
def test_stream_is_not_buffered(api: ApiClient, discovery: Discovery, mock_upstreams: bool) -> None:
    model = need(discovery.plain_chat_model(), "chat model")
    complete(api, chat_body(model, max_completion_tokens=1))  # warm up: connections, caches, first-call costs
    result = stream_chat(api, chat_body(model, "[[mock:chunk=1]] [[mock:pace=40ms]] Count slowly from one to ten."))
    checks.done_terminates(result.data)
    timed = [(at, c) for at, c in result.timed_chunks()
             if any((ch.get("delta") or {}).get("content") for ch in c["choices"])]
    holds("stream_not_buffered", bool(len(timed) >= 10),
          f"expected many one-token content chunks, got {len(timed)}")
    first, last = timed[0][0], timed[-1][0]
    holds("stream_not_buffered", bool(last > 0.4),
          f"the paced upstream should take over 0.4 s; the last content chunk came at {last:.3f}s")
    holds("stream_not_buffered", bool(first < last / 2),
          f"the first content chunk arrived at {first:.3f}s and the last at {last:.3f}s: the gateway " f"buffers the stream instead of forwarding chunks as they come")
