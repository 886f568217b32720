"""The DeepSeek family mock: reasoning content, its stream order, cache usage, and DeepSeek's own 400s."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from mock_support import openai_events, stream
from openai.types.chat import ChatCompletion, ChatCompletionChunk

from mocks.text import count_tokens, reasoning_text, reply_text, truncate

PATH = "/chat/completions"


def chat(model: str = "deepseek-reasoner", text: str = "Why is the sky blue?", **extra: Any) -> dict[str, Any]:
    return {"model": model, "messages": [{"role": "user", "content": text}], **extra}


def test_reasoner_non_stream_has_reasoning_and_usage(deepseek_client: httpx.Client) -> None:
    response = deepseek_client.post(PATH, json=chat())
    assert response.status_code == 200 and response.headers["x-request-id"].startswith("req_deepseek_")
    body = response.json()
    ChatCompletion.model_validate(body)
    message = body["choices"][0]["message"]
    assert message["reasoning_content"] == reasoning_text("Why is the sky blue?")
    assert message["content"] == reply_text("Why is the sky blue?")
    usage = body["usage"]
    reasoning = usage["completion_tokens_details"]["reasoning_tokens"]
    assert reasoning == count_tokens(message["reasoning_content"]) > 0
    assert usage["completion_tokens"] == reasoning + count_tokens(message["content"])
    assert usage["total_tokens"] == usage["prompt_tokens"] + usage["completion_tokens"]
    assert usage["prompt_cache_hit_tokens"] == 0 == usage["prompt_tokens_details"]["cached_tokens"]
    assert usage["prompt_cache_hit_tokens"] + usage["prompt_cache_miss_tokens"] == usage["prompt_tokens"]


def test_v1_alias_and_chat_model_without_reasoning(deepseek_client: httpx.Client) -> None:
    body = deepseek_client.post("/v1/chat/completions", json=chat("deepseek-v3.2")).json()
    assert "reasoning_content" not in body["choices"][0]["message"]
    assert body["usage"]["completion_tokens_details"]["reasoning_tokens"] == 0


@pytest.mark.parametrize(("model", "extra", "reasons"), [
    ("deepseek-r1-0528", {}, True),
    ("deepseek-v4-pro", {"enable_thinking": True}, True),
    ("deepseek-v4-pro", {"thinking": {"type": "enabled"}}, True),
    ("deepseek-reasoner", {"reasoning_effort": "none"}, False),
    ("deepseek-reasoner", {"enable_thinking": False}, False),
    ("deepseek-v4-pro", {"enable_thinking": True, "reasoning_effort": "high"}, True),
])
def test_reasoning_switches(deepseek_client: httpx.Client, model: str, extra: dict[str, Any], reasons: bool) -> None:
    message = deepseek_client.post(PATH, json=chat(model, **extra)).json()["choices"][0]["message"]
    assert ("reasoning_content" in message) is reasons


def test_thinking_budget_caps_reasoning_and_max_tokens_bounds_the_answer(deepseek_client: httpx.Client) -> None:
    body = deepseek_client.post(PATH, json=chat("deepseek-v4-pro", enable_thinking=True, thinking_budget=5,
                                                max_tokens=4)).json()
    message = body["choices"][0]["message"]
    assert message["reasoning_content"] == truncate(reasoning_text("Why is the sky blue?"), 5)
    assert count_tokens(message["content"]) == 4 and body["choices"][0]["finish_reason"] == "length"
    assert body["usage"]["completion_tokens"] == 9


def test_stream_sends_reasoning_first_then_content(deepseek_client: httpx.Client) -> None:
    _, events, comments = stream(deepseek_client, PATH, chat(stream_options={"include_usage": True}))
    chunks = openai_events(events)
    for chunk in chunks:
        ChatCompletionChunk.model_validate(chunk)
    deltas = [c["choices"][0]["delta"] for c in chunks if c["choices"]]
    assert deltas[0]["role"] == "assistant" and comments == 0
    kinds = ["reasoning" if d.get("reasoning_content") else "content" if d.get("content") else "other"
             for d in deltas]
    first_content = kinds.index("content")
    assert set(kinds[:first_content]) == {"reasoning"} and set(kinds[first_content:-1]) == {"content"}
    assert all(d["content"] is None for d in deltas[:first_content])
    reasoning = "".join(d.get("reasoning_content") or "" for d in deltas)
    content = "".join(d.get("content") or "" for d in deltas)
    message = deepseek_client.post(PATH, json=chat()).json()["choices"][0]["message"]
    assert (reasoning, content) == (message["reasoning_content"], message["content"])
    usage = chunks[-1]["usage"]
    assert usage["completion_tokens_details"]["reasoning_tokens"] == count_tokens(reasoning)
    assert usage["completion_tokens"] == count_tokens(reasoning) + count_tokens(content)


def test_cache_hits_are_deterministic(deepseek_client: httpx.Client) -> None:
    messages = [{"role": "system", "content": "You are terse."}, {"role": "user", "content": "Hi"},
                {"role": "assistant", "content": "Hello."}, {"role": "user", "content": "Again"}]
    usage = deepseek_client.post(PATH, json={"model": "deepseek-v3.2", "messages": messages}).json()["usage"]
    expected_hits = (count_tokens("You are terse.") + 3) + (1 + 3) + (count_tokens("Hello.") + 3)
    assert usage["prompt_cache_hit_tokens"] == expected_hits == usage["prompt_tokens_details"]["cached_tokens"]
    assert usage["prompt_cache_miss_tokens"] == usage["prompt_tokens"] - expected_hits == 1 + 3


def test_reasoning_content_in_input_is_400(deepseek_client: httpx.Client) -> None:
    messages = [{"role": "user", "content": "Hi"},
                {"role": "assistant", "content": "Hello.", "reasoning_content": "thought"},
                {"role": "user", "content": "Again"}]
    response = deepseek_client.post(PATH, json={"model": "deepseek-reasoner", "messages": messages})
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["param"] == "messages[1].reasoning_content" and "sk-mock-deepseek" in error["message"]


def _tool_loop(reasoning: dict[str, Any]) -> list[dict[str, Any]]:
    call = {"id": "c1", "type": "function", "function": {"name": "get_weather", "arguments": "{}"}}
    return [{"role": "user", "content": "Weather?"}, {"role": "assistant", "content": None, "tool_calls": [call],
                                                     **reasoning},
            {"role": "tool", "tool_call_id": "c1", "content": "sunny"}]


@pytest.mark.parametrize("thinking", [True, False])
def test_thinking_mode_needs_reasoning_content_after_tool_calls(deepseek_client: httpx.Client,
                                                                thinking: bool) -> None:
    body = {"model": "deepseek-v4-pro", "enable_thinking": thinking}
    missing = deepseek_client.post(PATH, json={**body, "messages": _tool_loop({})})
    assert missing.status_code == (400 if thinking else 200)
    if thinking:
        assert missing.json()["error"]["param"] == "messages[1].reasoning_content"
    kept = deepseek_client.post(PATH, json={**body, "messages": _tool_loop({"reasoning_content": "call it"})})
    assert kept.status_code == 200


@pytest.mark.parametrize("extra", [{"logprobs": True}, {"top_logprobs": 2}])
def test_logprobs_rejected_for_reasoners_only(deepseek_client: httpx.Client, extra: dict[str, Any]) -> None:
    assert deepseek_client.post(PATH, json=chat(**extra)).status_code == 400
    assert deepseek_client.post(PATH, json=chat("deepseek-v3.2", **extra)).status_code == 200


def test_keepalive_comments_in_stream_and_blank_lines_before_json(deepseek_client: httpx.Client) -> None:
    _, events, comments = stream(deepseek_client, PATH, chat(text="Hi [[mock:keepalive]]"))
    chunks = openai_events(events)
    assert comments >= 3
    content = "".join(c["choices"][0]["delta"].get("content") or "" for c in chunks if c["choices"])
    assert content == reply_text("Hi")
    response = deepseek_client.post(PATH, json=chat(text="Hi [[mock:keepalive]]"))
    assert response.content.startswith(b"\n") and response.json()["choices"][0]["message"]["content"] == content


def test_unauthenticated_is_401_in_deepseek_envelope(mock_server: Any) -> None:
    response = httpx.post(f"{mock_server.urls['deepseek']}{PATH}", json=chat())
    assert response.status_code == 401
    assert response.json()["error"]["type"] == "authentication_error"
