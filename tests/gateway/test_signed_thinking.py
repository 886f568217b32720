"""D-62: Responses reasoning items into the IR, Claude's signed thinking passed back unchanged, a
tool-result continuation without it sent with thinking off; D-63: the portable controls' derived specs."""

from __future__ import annotations

import json
from typing import Any

import pytest

from gateway.catalog import load_catalog
from gateway.config import Settings, Upstream
from gateway.errors import InvalidRequest
from gateway.formats.anthropic_messages.decode import decode_messages
from gateway.formats.openai_responses.decode import decode_responses
from gateway.ir import ChatRequest, Message, ReasoningOptions, ToolCall
from gateway.ir.reasoning import own_signature, seal_signature, unseal_signature
from gateway.upstreams.anthropic import AnthropicAdapter

CATALOG = load_catalog(Settings().catalog_path)
CLAUDE = "claude-sonnet-4-5-20250929"
CALL = ToolCall("c1", "get_weather", '{"location": "Paris"}')
ON = ReasoningOptions(enabled=True, budget_tokens=1024)


def _body(messages: list[Message], reasoning: ReasoningOptions = ON) -> dict[str, Any]:
    model = CATALOG.get(CLAUDE)
    assert model is not None
    adapter = AnthropicAdapter(None, Upstream(base_url="http://upstream"))  # type: ignore[arg-type]
    request = ChatRequest(model=model, messages=messages, reasoning=reasoning, max_output_tokens=4096)
    return adapter.body(request, stream=False)


def _loop(turn: Message) -> list[Message]:
    return [Message("user", "weather?"), turn, Message("tool", "sunny", tool_call_id="c1")]


def test_signed_thinking_goes_back_first_and_unchanged() -> None:
    turn = Message("assistant", "", tool_calls=[CALL], reasoning="think", signed_thinking=[("think", "SIG")])
    body = _body(_loop(turn))
    assert body["messages"][1]["content"][0] == {"type": "thinking", "thinking": "think", "signature": "SIG"}
    assert body["thinking"]["type"] == "enabled"


def test_unsigned_tool_turn_is_sent_with_thinking_off() -> None:
    body = _body(_loop(Message("assistant", "", tool_calls=[CALL], reasoning="think")))
    assert "thinking" not in body
    assert all(b["type"] != "thinking" for b in body["messages"][1]["content"])


def test_signed_thinking_left_out_when_thinking_is_off() -> None:
    turn = Message("assistant", "", tool_calls=[CALL], signed_thinking=[("think", "SIG")])
    body = _body(_loop(turn), ReasoningOptions(enabled=False))
    assert "thinking" not in body and body["messages"][1]["content"][0]["type"] == "tool_use"


def test_messages_decoder_tells_upstream_signatures_from_its_own() -> None:
    def turn(signature: str) -> Message:
        body = {"model": CLAUDE, "max_tokens": 2048, "messages": [
            {"role": "user", "content": "hi"},
            {"role": "assistant", "content": [{"type": "thinking", "thinking": "t", "signature": signature},
                                              {"type": "text", "text": "hello"}]},
            {"role": "user", "content": "again"}]}
        return decode_messages(json.dumps(body).encode(), CATALOG).messages[1]
    assert turn("UPSTREAM").signed_thinking == [("t", "UPSTREAM")]
    own = turn(own_signature("t"))
    assert own.signed_thinking == [] and own.reasoning == "t"


def test_responses_reasoning_items_become_the_next_turns_reasoning() -> None:
    body = {"model": "deepseek-v4-pro", "input": [
        {"role": "user", "content": "weather?"},
        {"type": "reasoning", "id": "rs_1", "summary": [{"type": "summary_text", "text": "short"}],
         "content": [{"type": "reasoning_text", "text": "full thought"}], "encrypted_content": None},
        {"type": "function_call", "call_id": "c1", "name": "get_weather", "arguments": "{}"},
        {"type": "function_call_output", "call_id": "c1", "output": "sunny"},
        {"type": "reasoning", "id": "rs_2", "summary": [{"type": "summary_text", "text": "only a summary"}]},
        {"role": "assistant", "content": [{"type": "output_text", "text": "Sunny."}]},
    ]}
    messages = decode_responses(json.dumps(body).encode(), CATALOG).messages
    assert [(m.role, m.reasoning) for m in messages] == [
        ("user", None), ("assistant", "full thought"), ("tool", None), ("assistant", "only a summary")]


def test_sealed_signature_round_trips_into_signed_thinking() -> None:
    """D-65: a reasoning item with the gateway's encrypted_content gives its turn the signed thinking."""
    sealed = seal_signature("SIG")
    assert unseal_signature(sealed) == "SIG" and unseal_signature("SIG") is None and unseal_signature(None) is None
    body = {"model": CLAUDE, "input": [
        {"role": "user", "content": "weather?"},
        {"type": "reasoning", "id": "rs_1", "summary": [], "encrypted_content": sealed,
         "content": [{"type": "reasoning_text", "text": "think"}]},
        {"type": "function_call", "call_id": "c1", "name": "get_weather", "arguments": "{}"},
        {"type": "reasoning", "id": "rs_2", "summary": [], "encrypted_content": "someone else's",
         "content": [{"type": "reasoning_text", "text": "other"}]},
        {"role": "assistant", "content": "Sunny."},
    ]}
    messages = decode_responses(json.dumps(body).encode(), CATALOG).messages
    assert [m.signed_thinking for m in messages] == [[], [("think", "SIG")], []]


@pytest.mark.parametrize(("model", "field", "value"), [
    ("deepseek-reasoner", "reasoning", {"max_tokens": 2048}),
    ("qwen3-max", "reasoning", {"effort": "low"}),
])
def test_a_nested_field_without_equivalent_is_400_naming_it(model: str, field: str, value: Any) -> None:
    from gateway.formats.openai_chat.decode import decode_chat
    body = {"model": model, "messages": [{"role": "user", "content": "hi"}], field: value}
    with pytest.raises(InvalidRequest) as caught:
        decode_chat(json.dumps(body).encode(), CATALOG)
    assert caught.value.param == f"{field}.{next(iter(value))}"


def test_deepseek_takes_the_portable_controls() -> None:
    body = {"model": "deepseek-v4-pro", "max_tokens": 4096, "messages": [{"role": "user", "content": "hi"}],
            "thinking": {"type": "enabled", "budget_tokens": 2048}}
    r = decode_messages(json.dumps(body).encode(), CATALOG).reasoning
    assert (r.enabled, r.budget_tokens) == (True, 2048)
