"""The reply to a chat request, rendered as a ``chat.completion`` or as ``chat.completion.chunk`` events.

Stream rules: the first chunk's delta carries ``role: "assistant"``; reasoning pieces come first
(``content: null``), then content pieces, or tool-call fragments (the first fragment of a call carries
``index``, ``id``, ``type``, ``function.name`` and ``arguments: ""``; later ones only ``index`` and a piece
of ``arguments``); then one chunk with an empty delta and the ``finish_reason``; with
``stream_options.include_usage`` every chunk has ``usage: null`` and one more chunk with ``choices: []``
carries the usage; then ``[DONE]``. Joined pieces equal the non-stream fields exactly.
"""

from __future__ import annotations

import json
import secrets
import time
from dataclasses import dataclass, field
from typing import Any

from mocks.openai.dialect import OpenAIDialect, Reasoning
from mocks.openai.request import ChatRequest
from mocks.provider import ApiError, dumps
from mocks.text import count_tokens, finish, reasoning_text, reply_text, split, tool_answer_text, truncate
from mocks.tools import arguments_for, choose
from mocks.wire import Event

__all__ = ["Reply", "ToolCall", "build_reply", "chunk_events", "completion_body", "error_event"]

FINISH = {"stop": "stop", "stop_sequence": "stop", "length": "length"}


@dataclass(frozen=True)
class ToolCall:
    id: str
    name: str
    arguments: str


@dataclass
class Reply:
    """Everything the assistant says in answer to one request, and its usage."""

    model: str
    content: str | None
    finish_reason: str
    prompt_tokens: int
    reasoning: str | None = None
    tool_calls: list[ToolCall] = field(default_factory=list)
    cached_tokens: int = 0
    usage_extra: dict[str, Any] = field(default_factory=dict)
    id: str = field(default_factory=lambda: f"chatcmpl-{secrets.token_hex(12)}")
    created: int = field(default_factory=lambda: int(time.time()))

    @property
    def reasoning_tokens(self) -> int:
        return count_tokens(self.reasoning or "")

    @property
    def completion_tokens(self) -> int:
        calls = sum(count_tokens(c.name) + count_tokens(c.arguments) for c in self.tool_calls)
        return count_tokens(self.content or "") + self.reasoning_tokens + calls

    def usage(self) -> dict[str, Any]:
        return {
            "prompt_tokens": self.prompt_tokens,
            "completion_tokens": self.completion_tokens,
            "total_tokens": self.prompt_tokens + self.completion_tokens,
            "prompt_tokens_details": {"cached_tokens": self.cached_tokens, "audio_tokens": 0},
            "completion_tokens_details": {"reasoning_tokens": self.reasoning_tokens, "audio_tokens": 0,
                                          "accepted_prediction_tokens": 0, "rejected_prediction_tokens": 0},
            **self.usage_extra,
        }


def build_reply(chat: ChatRequest, user_text: str, dialect: OpenAIDialect, reasoning: Reasoning | None) -> Reply:
    """The deterministic reply to ``chat`` (``user_text`` is the last user text without directives)."""
    thought = None
    if reasoning is not None:
        thought = reasoning_text(user_text)
        if reasoning.budget is not None:
            thought = truncate(thought, reasoning.budget)
    cached = dialect.cached_tokens(chat)
    common: dict[str, Any] = {"model": chat.model, "prompt_tokens": chat.prompt_tokens, "reasoning": thought,
                              "cached_tokens": cached, "usage_extra": dialect.usage_extra(chat, cached)}
    names = choose([t.name for t in chat.tools], chat.mode, named=chat.named,
                   parallel_allowed=chat.parallel_allowed, ends_with_tool_results=chat.ends_with_tool_results,
                   last_user_text=user_text)
    if names:
        schemas = {t.name: t.parameters for t in chat.tools}
        calls = [ToolCall(f"call_{secrets.token_hex(12)}", name,
                          json.dumps(arguments_for(schemas[name]), separators=(",", ":"))) for name in names]
        return Reply(content=None, finish_reason="tool_calls", tool_calls=calls, **common)
    full = tool_answer_text(chat.tool_results) if chat.ends_with_tool_results else reply_text(user_text)
    done = finish(full, chat.limit, chat.stops)
    return Reply(content=done.text, finish_reason=FINISH[done.reason], **common)


def completion_body(reply: Reply) -> dict[str, Any]:
    """The non-stream ``chat.completion`` object."""
    message: dict[str, Any] = {"role": "assistant", "content": reply.content, "refusal": None}
    if reply.reasoning is not None:
        message["reasoning_content"] = reply.reasoning
    if reply.tool_calls:
        message["tool_calls"] = [{"id": c.id, "type": "function", "function": {"name": c.name,
                                                                              "arguments": c.arguments}}
                                 for c in reply.tool_calls]
    return {
        "id": reply.id, "object": "chat.completion", "created": reply.created, "model": reply.model,
        "choices": [{"index": 0, "message": message, "logprobs": None, "finish_reason": reply.finish_reason}],
        "usage": reply.usage(), "system_fingerprint": "fp_mock",
    }


def _deltas(reply: Reply, size: int) -> list[dict[str, Any]]:
    deltas: list[dict[str, Any]] = []
    reasoning_on = reply.reasoning is not None
    for piece in split(reply.reasoning or "", size):
        deltas.append({"content": None, "reasoning_content": piece})
    for piece in split(reply.content or "", size):
        deltas.append({"content": piece, **({"reasoning_content": None} if reasoning_on else {})})
    for index, call in enumerate(reply.tool_calls):
        deltas.append({"content": None, "tool_calls": [{"index": index, "id": call.id, "type": "function",
                                                        "function": {"name": call.name, "arguments": ""}}]})
        for piece in split(call.arguments, size):
            deltas.append({"tool_calls": [{"index": index, "function": {"arguments": piece}}]})
    return deltas


def chunk_events(reply: Reply, include_usage: bool, size: int) -> list[Event]:
    """The stream's events, ``[DONE]`` included."""
    base: dict[str, Any] = {"id": reply.id, "object": "chat.completion.chunk", "created": reply.created,
                            "model": reply.model, "system_fingerprint": "fp_mock"}
    if include_usage:
        base["usage"] = None

    def chunk(delta: dict[str, Any], finish_reason: str | None = None) -> Event:
        choice = {"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish_reason}
        return Event(dumps({**base, "choices": [choice]}))

    deltas = _deltas(reply, size)
    if deltas:
        deltas[0] = {"role": "assistant", **deltas[0]}
    events = [chunk(d) for d in deltas]
    events.append(chunk({} if deltas else {"role": "assistant"}, reply.finish_reason))
    if include_usage:
        events.append(Event(dumps({**base, "choices": [], "usage": reply.usage()})))
    events.append(Event("[DONE]"))
    return events


def error_event(dialect: OpenAIDialect, message: str, request_id: str) -> Event:
    """The error a stream reports when it fails midway (``midstream`` fault)."""
    return Event(dumps(dialect.body(ApiError(500, message), message, request_id)))
