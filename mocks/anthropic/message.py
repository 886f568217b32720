"""The reply to a Messages request, rendered as a ``message`` or as the named SSE events of a stream.

Content order: a ``thinking`` block (when thinking is enabled), then a ``text`` block (with ``auto``
tool choice it is a short ``I will call <names>.`` before the calls), then ``tool_use`` blocks.
``max_tokens`` bounds thinking plus text. Stream: ``message_start`` (empty content, ``output_tokens: 1``),
one ``ping``, per block ``content_block_start`` / ``content_block_delta``... / ``content_block_stop``,
``message_delta`` (stop reason, cumulative ``output_tokens``), ``message_stop``.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass, field
from typing import Any

from mocks.anthropic.request import MessagesRequest, signature
from mocks.provider import dumps
from mocks.text import count_tokens, finish, reasoning_text, reply_text, split, tool_answer_text, truncate
from mocks.tools import arguments_for, choose
from mocks.wire import Event

__all__ = ["Reply", "build_reply", "message_body", "stream_events"]

STOP_REASONS = {"stop": "end_turn", "stop_sequence": "stop_sequence", "length": "max_tokens"}


def _block_tokens(block: dict[str, Any]) -> int:
    if block["type"] == "tool_use":
        return count_tokens(block["name"]) + count_tokens(json.dumps(block["input"]))
    return count_tokens(block.get("text") or block.get("thinking") or "")


@dataclass
class Reply:
    """The assistant message for one request, and its usage."""

    model: str
    content: list[dict[str, Any]]
    stop_reason: str
    stop_sequence: str | None
    input_tokens: int
    cache_creation: int = 0
    cache_read: int = 0
    id: str = field(default_factory=lambda: f"msg_{secrets.token_hex(12)}")

    @property
    def output_tokens(self) -> int:
        return sum(_block_tokens(b) for b in self.content)

    def usage(self, output_tokens: int | None = None) -> dict[str, Any]:
        return {"input_tokens": self.input_tokens, "cache_creation_input_tokens": self.cache_creation,
                "cache_read_input_tokens": self.cache_read,
                "output_tokens": self.output_tokens if output_tokens is None else output_tokens}


def build_reply(req: MessagesRequest, user_text: str) -> Reply:
    """The deterministic reply to ``req`` (``user_text`` is the last user text without directives)."""
    content: list[dict[str, Any]] = []
    budget = req.max_tokens
    if req.thinking:
        thought = reasoning_text(user_text)
        thought = truncate(thought, min(req.thinking_budget or budget, budget))
        content.append({"type": "thinking", "thinking": thought, "signature": signature(thought)})
        budget -= count_tokens(thought)
    names = choose([t.name for t in req.tools], req.mode, named=req.named, parallel_allowed=req.parallel_allowed,
                   ends_with_tool_results=req.ends_with_tool_results, last_user_text=user_text)
    stop_reason, stop_sequence = "tool_use", None
    if names:
        if req.mode == "auto":
            content.append({"type": "text", "text": f"I will call {' and '.join(names)}."})
        schemas = {t.name: t.input_schema for t in req.tools}
        content += [{"type": "tool_use", "id": f"toolu_{secrets.token_hex(12)}", "name": name,
                     "input": arguments_for(schemas[name])} for name in names]
    else:
        full = tool_answer_text(req.tool_results) if req.ends_with_tool_results else reply_text(user_text)
        done = finish(full, max(budget, 0), req.stops)
        if done.text:
            content.append({"type": "text", "text": done.text})
        stop_reason, stop_sequence = STOP_REASONS[done.reason], done.sequence
    cached = req.cache_prefix_tokens
    read = cached if len(req.messages) >= 3 else 0
    return Reply(model=req.model, content=content, stop_reason=stop_reason, stop_sequence=stop_sequence,
                 input_tokens=req.prompt_tokens - cached, cache_creation=cached - read, cache_read=read)


def message_body(reply: Reply) -> dict[str, Any]:
    """The non-stream ``message`` object."""
    return {"id": reply.id, "type": "message", "role": "assistant", "model": reply.model,
            "content": reply.content, "stop_reason": reply.stop_reason, "stop_sequence": reply.stop_sequence,
            "usage": reply.usage()}


def _block_events(index: int, block: dict[str, Any], size: int) -> list[dict[str, Any]]:
    kind = block["type"]
    if kind == "thinking":
        start: dict[str, Any] = {"type": "thinking", "thinking": "", "signature": ""}
        deltas = [{"type": "thinking_delta", "thinking": p} for p in split(block["thinking"], size)]
        deltas.append({"type": "signature_delta", "signature": block["signature"]})
    elif kind == "tool_use":
        start = {"type": "tool_use", "id": block["id"], "name": block["name"], "input": {}}
        deltas = [{"type": "input_json_delta", "partial_json": p}
                  for p in ["", *split(json.dumps(block["input"]), size)]]
    else:
        start = {"type": "text", "text": ""}
        deltas = [{"type": "text_delta", "text": p} for p in split(block["text"], size)]
    return [{"type": "content_block_start", "index": index, "content_block": start},
            *({"type": "content_block_delta", "index": index, "delta": d} for d in deltas),
            {"type": "content_block_stop", "index": index}]


def stream_events(reply: Reply, size: int) -> list[Event]:
    """The stream's events, ``message_stop`` included."""
    start = {**message_body(reply), "content": [], "stop_reason": None, "stop_sequence": None,
             "usage": reply.usage(output_tokens=1)}
    payloads: list[dict[str, Any]] = [{"type": "message_start", "message": start}, {"type": "ping"}]
    for index, block in enumerate(reply.content):
        payloads += _block_events(index, block, size)
    payloads.append({"type": "message_delta",
                     "delta": {"stop_reason": reply.stop_reason, "stop_sequence": reply.stop_sequence},
                     "usage": {"output_tokens": reply.output_tokens}})
    payloads.append({"type": "message_stop"})
    return [Event(dumps(p), p["type"]) for p in payloads]
