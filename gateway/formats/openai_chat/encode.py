"""IR → Chat Completions JSON (:func:`encode_result`) and SSE chunks (:class:`ChunkEncoder`).

Default formatting renders reasoning into the content as the Markdown "Thinking…" block of D-8, in
streams too (piece by piece, so the joined stream content equals the non-stream content); raw mode
(``disable_formatting`` and its aliases) leaves the content as the upstream wrote it and passes
upstream-specific fields through. ``id`` is always the gateway's own.
"""

from __future__ import annotations

import json
import time
from typing import Any

from gateway.errors import GatewayError
from gateway.formats.frames import DONE, Frame
from gateway.formats.openai_chat.decode import THINKING_HEADER
from gateway.ids import random_hex
from gateway.ir import (
    ChatRequest,
    ChatResult,
    Finished,
    ReasoningDelta,
    StreamEvent,
    TextDelta,
    ToolArgsDelta,
    ToolCallStart,
    Usage,
    UsageReport,
)
from gateway.money import cost_number

__all__ = ["ChunkEncoder", "encode_result", "new_id", "thinking_block", "usage_json"]


def new_id() -> str:
    return f"chatcmpl-{random_hex(12)}"


def thinking_block(reasoning: str) -> str:
    """The Markdown block that precedes the answer under default formatting (D-8)."""
    lines = "\n".join(f"> {line}" if line else ">" for line in reasoning.split("\n"))
    return f"{THINKING_HEADER}{lines}\n\n"


def usage_json(request: ChatRequest, usage: Usage) -> dict[str, Any]:
    out: dict[str, Any] = {
        "prompt_tokens": usage.input_tokens,
        "completion_tokens": usage.output_tokens,
        "total_tokens": usage.input_tokens + usage.output_tokens,
        "completion_tokens_details": {"reasoning_tokens": usage.reasoning_tokens},
        "prompt_tokens_details": {"cached_tokens": usage.cached_tokens},
        "cost": cost_number(request.cost(usage)),
    }
    details = request.cost_details(usage)
    if details is not None:
        out["cost_details"] = {name: cost_number(usd) for name, usd in details.items()}
    if request.raw:
        out.update({k: v for k, v in usage.extra.items() if k not in out})
    return out


def _show_reasoning(request: ChatRequest, reasoning: str | None) -> bool:
    return bool(reasoning) and not request.reasoning.exclude


def encode_result(request: ChatRequest, result: ChatResult) -> dict[str, Any]:
    reasoning = result.reasoning if _show_reasoning(request, result.reasoning) else None
    content = result.text
    if reasoning and not request.raw:
        content = thinking_block(reasoning) + content
    message: dict[str, Any] = {"role": "assistant", "content": content or (None if result.tool_calls else "")}
    if reasoning:
        message["reasoning_content"] = reasoning
    if result.tool_calls:
        message["tool_calls"] = [
            {"id": c.id, "type": "function", "function": {"name": c.name, "arguments": c.arguments}}
            for c in result.tool_calls
        ]
    if request.raw:
        message.update({k: v for k, v in result.extra.items() if k not in message})
    return {
        "id": new_id(),
        "object": "chat.completion",
        "created": int(time.time()),
        "model": request.model.id,
        "choices": [{"index": 0, "message": message, "finish_reason": result.finish, "logprobs": None}],
        "usage": usage_json(request, result.usage),
    }


class ChunkEncoder:
    """Turns IR stream events into chunk frames, one chunk per event, nothing held back."""

    def __init__(self, request: ChatRequest) -> None:
        self.request = request
        self.id, self.created, self.model = new_id(), int(time.time()), request.model.id
        self.role_sent = False
        self.in_block = False
        self.line_start = False
        self.finish: Finished | None = None
        self.usage: Usage | None = None

    def start(self) -> list[Frame]:
        return []

    def chunk(self, delta: dict[str, Any], finish: str | None = None) -> Frame:
        """One ``chat.completion.chunk`` carrying ``delta`` (the first one also carries the role)."""
        if not self.role_sent:
            delta = {"role": "assistant", **delta}
            self.role_sent = True
        choice = {"index": 0, "delta": delta, "finish_reason": finish, "logprobs": None}
        body: dict[str, Any] = {"id": self.id, "object": "chat.completion.chunk", "created": self.created,
                                "model": self.model, "choices": [choice]}
        if self.request.include_usage:
            body["usage"] = None
        return Frame(None, body)

    def _quote(self, text: str) -> str:
        """``text`` as it continues the quoted Thinking block (``"> "`` per line, ``">"`` for an empty one)."""
        out = []
        for char in text:
            if char == "\n":
                out.append(">\n" if self.line_start else "\n")
                self.line_start = True
            else:
                out.append(f"> {char}" if self.line_start else char)
                self.line_start = False
        return "".join(out)

    def _close_block(self) -> str:
        if not self.in_block:
            return ""
        self.in_block = False
        return (">" if self.line_start else "") + "\n\n"

    def event(self, event: StreamEvent) -> list[Frame]:
        """The frame(s) for one IR event (possibly none)."""
        if isinstance(event, ReasoningDelta):
            if self.request.reasoning.exclude:
                return []
            delta: dict[str, Any] = {"reasoning_content": event.text}
            if not self.request.raw:
                opening = ""
                if not self.in_block:
                    self.in_block, self.line_start, opening = True, True, THINKING_HEADER
                delta["content"] = opening + self._quote(event.text)
            return [self.chunk(delta)]
        if isinstance(event, TextDelta):
            return [self.chunk({"content": self._close_block() + event.text})]
        if isinstance(event, ToolCallStart):
            closing = self._close_block()
            call: dict[str, Any] = {"index": event.index, "id": event.id, "type": "function",
                                    "function": {"name": event.name, "arguments": ""}}
            return ([self.chunk({"content": closing})] if closing else []) + [self.chunk({"tool_calls": [call]})]
        if isinstance(event, ToolArgsDelta):
            return [self.chunk({"tool_calls": [{"index": event.index, "function": {"arguments": event.fragment}}]})]
        if isinstance(event, Finished):
            self.finish = event
        elif isinstance(event, UsageReport):
            self.usage = event.usage
        return []

    def end(self) -> list[Frame]:
        """The finishing chunk, the usage chunk (when asked for) and ``[DONE]``."""
        closing = self._close_block()
        finish = self.finish.finish if self.finish else "stop"
        out = [self.chunk({"content": closing} if closing else {}, finish)]
        if self.request.include_usage:
            usage = usage_json(self.request, self.usage or Usage())
            out.append(Frame(None, {"id": self.id, "object": "chat.completion.chunk", "created": self.created,
                                    "model": self.model, "choices": [], "usage": usage}))
        return [*out, DONE]

    def error(self, error: GatewayError) -> list[Frame]:
        """A failure after the stream started: one error frame, then ``[DONE]``."""
        body = {"error": {"message": error.message, "type": error.type, "param": error.param, "code": error.code}}
        return [Frame(None, json.dumps(body)), DONE]
