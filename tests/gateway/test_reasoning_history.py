"""Reasoning sent back by a client (D-8): Anthropic thinking blocks into the IR, and what each upstream
adapter forwards — DeepSeek (thinking-mode) assistant turns keep ``reasoning_content``, R1 and plain
OpenAI-compatible upstreams and Anthropic get none."""

from __future__ import annotations

import json
from typing import Any

from gateway.catalog import load_catalog
from gateway.config import Settings, Upstream
from gateway.formats.anthropic_messages.decode import decode_messages
from gateway.ir import ChatRequest, Message, ToolCall
from gateway.upstreams.anthropic import AnthropicAdapter
from gateway.upstreams.openai_compat import DEEPSEEK, OPENAI, OpenAICompatibleAdapter

CATALOG = load_catalog(Settings().catalog_path)
CALL = ToolCall("c1", "get_weather", '{"location": "Paris"}')
HISTORY = [
    Message("user", "weather?"),
    Message("assistant", "", tool_calls=[CALL], reasoning="I should call the tool."),
    Message("tool", "sunny", tool_call_id="c1"),
    Message("assistant", "Sunny.", reasoning="Done."),
    Message("user", "thanks"),
]


def _request(model_id: str) -> ChatRequest:
    model = CATALOG.get(model_id)
    assert model is not None
    return ChatRequest(model=model, messages=list(HISTORY))


def _sent(adapter: Any, model_id: str) -> list[dict[str, Any]]:
    return adapter.body(_request(model_id), stream=False)["messages"]  # type: ignore[no-any-return]


def _adapter(dialect: Any) -> OpenAICompatibleAdapter:
    return OpenAICompatibleAdapter(None, Upstream(base_url="http://upstream"), dialect)  # type: ignore[arg-type]


def test_deepseek_thinking_mode_tool_turn_keeps_its_reasoning() -> None:
    messages = _sent(_adapter(DEEPSEEK), "deepseek-v4-pro")
    assert [m.get("reasoning_content") for m in messages] == [None, "I should call the tool.", None, "Done.", None]


def test_deepseek_tool_turn_without_reasoning_gets_an_empty_one() -> None:
    request = _request("deepseek-v4-pro")
    request.messages[1] = Message("assistant", "", tool_calls=[CALL])
    sent = _adapter(DEEPSEEK).body(request, stream=False)["messages"]
    assert sent[1]["reasoning_content"] == ""


def test_r1_and_plain_upstreams_get_no_reasoning() -> None:
    for dialect, model in ((DEEPSEEK, "deepseek-reasoner"), (OPENAI, "deepseek-v4-pro")):
        assert not any("reasoning_content" in m for m in _sent(_adapter(dialect), model))


def test_anthropic_upstream_gets_no_thinking_blocks() -> None:
    adapter = AnthropicAdapter(None, Upstream(base_url="http://upstream"))  # type: ignore[arg-type]
    blocks = [b for m in _sent(adapter, "deepseek-v4-pro") for b in m["content"]]
    assert "thinking" not in {b["type"] for b in blocks}


def test_thinking_blocks_become_the_turn_reasoning() -> None:
    body = {"model": "deepseek-v4-pro", "max_tokens": 64, "messages": [
        {"role": "user", "content": "weather?"},
        {"role": "assistant", "content": [
            {"type": "redacted_thinking", "data": "opaque"},
            {"type": "thinking", "thinking": "I should call the tool.", "signature": "sig"},
            {"type": "tool_use", "id": "c1", "name": "get_weather", "input": {}}]},
        {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "c1", "content": "sunny"}]},
    ]}
    request = decode_messages(json.dumps(body).encode(), CATALOG)
    assert [m.reasoning for m in request.messages] == [None, "I should call the tool.", None]
