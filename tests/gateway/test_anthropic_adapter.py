"""Chat IR → Anthropic wire: tool results grouped into one user turn, system lifted to the top."""

from gateway.ir import Message, ToolCall
from gateway.upstreams.anthropic import _conversation


def test_parallel_tool_results_share_one_user_turn() -> None:
    system, turns = _conversation([
        Message("system", "be brief"),
        Message("user", "weather in two cities, parallel"),
        Message("assistant", "", tool_calls=[ToolCall("c1", "w", '{"city": "A"}'), ToolCall("c2", "w", "")]),
        Message("tool", "sunny", tool_call_id="c1"),
        Message("tool", "rain", tool_call_id="c2", is_error=True),
        Message("user", "thanks"),
    ])
    assert system == "be brief"
    assert [t["role"] for t in turns] == ["user", "assistant", "user"]  # Anthropic turns alternate
    assert [b["type"] for b in turns[1]["content"]] == ["tool_use", "tool_use"]
    assert turns[1]["content"][1]["input"] == {}
    assert [b["tool_use_id"] for b in turns[2]["content"][:2]] == ["c1", "c2"]
    assert turns[2]["content"][1]["is_error"] is True
    assert [b["type"] for b in turns[2]["content"]] == ["tool_result", "tool_result", "text"]
