"""The Chat Completions helpers of the harness, offline: named checks, the 429 retry of the client,
the async contract transport and the new plugin flags."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from suites.checks import CheckFailure
from suites.checks import chat as checks
from suites.client import ApiClient
from suites.contract import load_contract
from suites.recorder import Recorder
from suites.transport import AsyncContractTransport


def _chunk(delta: dict[str, Any], finish: str | None = None, **extra: Any) -> dict[str, Any]:
    return {"id": "chatcmpl-1", "object": "chat.completion.chunk", "created": 1, "model": "m",
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish}], **extra}


GOOD = [_chunk({"role": "assistant", "content": ""}), _chunk({"content": "Hel"}), _chunk({"content": "lo"}),
        _chunk({}, "stop")]


def test_stream_invariants_accept_a_good_stream() -> None:
    checks.role_only_first(GOOD)
    assert checks.one_finish_reason(GOOD, expected="stop") == "stop"
    checks.stable_identity(GOOD)
    checks.no_empty_deltas(GOOD)
    checks.done_terminates([json.dumps(c) for c in GOOD] + ["[DONE]"])


@pytest.mark.parametrize("broken,check", [
    ([*GOOD[:2], _chunk({"role": "assistant", "content": "x"}), *GOOD[2:]], checks.role_only_first),
    ([*GOOD[:3], _chunk({}, "stop"), _chunk({}, "stop")], checks.one_finish_reason),
    ([*GOOD[:3], _chunk({}, "stop"), _chunk({"content": "late"})], checks.one_finish_reason),
    ([*GOOD[:3], {**GOOD[3], "id": "chatcmpl-2"}], checks.stable_identity),
    ([*GOOD[:2], _chunk({"content": ""}), *GOOD[2:]], checks.no_empty_deltas),
], ids=["role-repeated", "two-finishes", "content-after-finish", "id-changes", "empty-delta"])
def test_stream_invariants_catch_breaks(broken: list[dict[str, Any]], check: Any) -> None:
    with pytest.raises(CheckFailure):
        check(broken)


def test_done_must_be_last_and_once() -> None:
    with pytest.raises(CheckFailure, match="stream_done"):
        checks.done_terminates(["{}", "{}"])
    with pytest.raises(CheckFailure, match="stream_done_once"):
        checks.done_terminates(["{}", "[DONE]", "[DONE]"])
    with pytest.raises(CheckFailure, match="stream_done_last"):
        checks.done_terminates(["[DONE]", "{}"])


def test_usage_chunk_rules() -> None:
    usage = {"prompt_tokens": 3, "completion_tokens": 2, "total_tokens": 5}
    payloads = [_chunk({"role": "assistant"}, usage=None), _chunk({}, "stop", usage=None),
                {**_chunk({}), "choices": [], "usage": usage}]
    data = [json.dumps(p) for p in payloads] + ["[DONE]"]
    assert checks.usage_chunk_last(data, payloads) == usage
    early = [payloads[0], payloads[2], payloads[1]]
    with pytest.raises(CheckFailure, match="stream_usage_chunk_last"):
        checks.usage_chunk_last(data, early)
    with pytest.raises(CheckFailure, match="usage_total"):
        checks.usage_adds_up({"prompt_tokens": 3, "completion_tokens": 2, "total_tokens": 6}, cost=False)
    with pytest.raises(CheckFailure, match="usage_cost"):
        checks.usage_adds_up(usage, cost=True)


def test_tool_call_fragments_merge_and_rules() -> None:
    chunks = [
        _chunk({"role": "assistant", "tool_calls": [
            {"index": 0, "id": "call_a", "type": "function", "function": {"name": "get_weather", "arguments": ""}}]}),
        _chunk({"tool_calls": [{"index": 0, "function": {"arguments": '{"location":'}}]}),
        _chunk({"tool_calls": [{"index": 0, "function": {"arguments": '"Paris","unit":"celsius"}'}}]}),
        _chunk({}, "tool_calls"),
    ]
    calls = checks.tool_call_fragments(chunks)
    assert calls[0]["function"]["arguments"] == '{"location":"Paris","unit":"celsius"}'
    tool = {"type": "function", "function": {"name": "get_weather", "parameters": {
        "type": "object", "properties": {"location": {"type": "string"}, "unit": {"enum": ["celsius"]}},
        "required": ["location", "unit"]}}}
    checks.tool_arguments_valid(calls, [tool])
    with pytest.raises(CheckFailure, match="tool_call_first_fragment"):
        checks.tool_call_fragments([_chunk({"tool_calls": [{"index": 0, "function": {"arguments": "{}"}}]})])
    with pytest.raises(CheckFailure, match="tool_call_later_fragment"):
        checks.tool_call_fragments([chunks[0], _chunk({"tool_calls": [{"index": 0, "id": "call_b"}]})])
    truncated = [{**calls[0], "function": {"name": "get_weather", "arguments": '{"location": "Pa'}}]
    with pytest.raises(CheckFailure, match="tool_arguments_json"):
        checks.tool_arguments_valid(truncated, [tool])
    wrong = [{**calls[0], "function": {"name": "get_weather", "arguments": '{"location": "Paris", "unit": "K"}'}}]
    with pytest.raises(CheckFailure, match="tool_arguments_schema"):
        checks.tool_arguments_valid(wrong, [tool])


def test_thinking_block_rendering() -> None:
    block = checks.render_thinking("line one\n\nline two")
    assert block == "> **Thinking\u2026**\n>\n> line one\n>\n> line two\n\n"
    assert checks.thinking_formatted(block + "The answer.", "line one\n\nline two") == "The answer."
    with pytest.raises(CheckFailure, match="thinking_block_matches_reasoning"):
        checks.thinking_formatted(block + "The answer.", "line one\nline two")
    with pytest.raises(CheckFailure, match="thinking_block_header"):
        checks.thinking_formatted("The answer.", "line one")


def test_reasoning_before_answer() -> None:
    ordered = [_chunk({"role": "assistant", "reasoning_content": "think"}), _chunk({"content": "answer"})]
    checks.reasoning_before_answer(ordered, "")
    with pytest.raises(CheckFailure, match="reasoning_before_content"):
        checks.reasoning_before_answer(list(reversed(ordered)), "")


@pytest.mark.parametrize("leak", [
    "failed (request req_openai_0a1b on openai.mock-upstream.internal)", "key sk-mock-deepseek",
    "connect to 127.0.0.1:9102 failed", "http://localhost:8080/x", "Traceback (most recent call last):",
])
def test_no_leaks(leak: str) -> None:
    checks.no_leaks("a clean message")
    checks.no_leaks(httpx.Headers({"x-request-id": "req-gateway-1"}))
    with pytest.raises(CheckFailure, match="no_upstream_leak"):
        checks.no_leaks(leak)
    with pytest.raises(CheckFailure, match="no_upstream_leak"):
        checks.no_leaks(httpx.Headers({"server": leak}))


def _client(handler: Any) -> ApiClient:
    return ApiClient("http://gateway.test", "sk-empiriolabs-x", httpx.MockTransport(handler))


def test_client_retries_429_honouring_retry_after(monkeypatch: pytest.MonkeyPatch) -> None:
    slept: list[float] = []
    monkeypatch.setattr("suites.client.time.sleep", slept.append)
    calls: list[int] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(1)
        return httpx.Response(429, headers={"retry-after": "2"}) if len(calls) < 3 else httpx.Response(200)

    assert _client(handler).get("/v1/models").status_code == 200
    assert slept == [2.0, 2.0] and len(calls) == 3


def test_client_429_retry_is_bounded_and_optional(monkeypatch: pytest.MonkeyPatch) -> None:
    slept: list[float] = []
    monkeypatch.setattr("suites.client.time.sleep", slept.append)
    always = _client(lambda request: httpx.Response(429, headers={"retry-after": "1"}))
    assert always.get("/v1/models").status_code == 429 and slept == [1.0, 1.0, 1.0]
    slept.clear()
    assert always.get("/v1/models", retry_429=False).status_code == 429 and slept == []
    too_long = _client(lambda request: httpx.Response(429, headers={"retry-after": "60"}))
    assert too_long.get("/v1/models").status_code == 429 and slept == []


def test_async_contract_transport_validates_stream_events() -> None:
    bad = _chunk({"content": "x"})
    del bad["created"]
    body = "".join(f"data: {json.dumps(c)}\n\n" for c in [GOOD[0], bad]) + "data: [DONE]\n\n"

    class Pieces(httpx.AsyncByteStream):  # arrives in pieces, like a network stream (not preloaded)
        async def __aiter__(self) -> Any:
            data = body.encode()
            for i in range(0, len(data), 7):
                yield data[i:i + 7]

    async def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, headers={"content-type": "text/event-stream"}, stream=Pieces())

    async def run() -> Recorder:
        recorder = Recorder()
        transport = AsyncContractTransport(load_contract(), recorder, httpx.MockTransport(handler))
        client = httpx.AsyncClient(transport=transport, base_url="http://gateway.test")
        async with client, client.stream("POST", "/v1/chat/completions", json={}) as response:
            async for _ in response.aiter_bytes():
                pass
        return recorder

    recorder = asyncio.run(run())
    assert recorder.events[("createChatCompletion", "chunk")] == 2
    assert recorder.events[("createChatCompletion", "done")] == 1
    assert len(recorder.violations) == 1 and "created" in recorder.violations[0].message


FLAG_SUITE = """
def test_mocks(mock_upstreams):
    pass

def test_hooks_needed(test_hooks):
    pass

def test_limited(rate_limited_key):
    assert rate_limited_key == "sk-empiriolabs-limited"
"""


def test_plugin_flags_skip_naming_the_option(pytester: pytest.Pytester, tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("EMPIRIO_MOCK_UPSTREAMS", "EMPIRIO_TEST_HOOKS", "EMPIRIO_RATE_LIMITED_KEY"):
        monkeypatch.delenv(name, raising=False)
    pytester.makepyfile(test_flags=FLAG_SUITE)
    base = [f"--rootdir={tmp_path}", "--base-url=http://127.0.0.1:9", "--api-key=sk-empiriolabs-x",
            f"--coverage-json={tmp_path / 'c.json'}", "-p", "no:cacheprovider", "-rs"]
    result = pytester.runpytest_inprocess(*base)
    result.assert_outcomes(skipped=3)
    result.stdout.fnmatch_lines(["*needs --mock-upstreams (or EMPIRIO_MOCK_UPSTREAMS=1)*",
                                 "*needs --test-hooks (or EMPIRIO_TEST_HOOKS=1)*",
                                 "*needs --rate-limited-key (or EMPIRIO_RATE_LIMITED_KEY)*"])
    result = pytester.runpytest_inprocess(*base, "--mock-upstreams", "--rate-limited-key=sk-empiriolabs-limited")
    result.assert_outcomes(passed=2, skipped=1)
    monkeypatch.setenv("EMPIRIO_TEST_HOOKS", "1")
    result = pytester.runpytest_inprocess(*base)
    result.assert_outcomes(passed=1, skipped=2)
