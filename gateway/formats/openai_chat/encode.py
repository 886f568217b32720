"""IR → Chat Completions JSON (:func:`encode_result`) and SSE chunks (:class:`ChunkEncoder`).

Default formatting renders reasoning into the content as the Markdown "Thinking…" block of D-8, in
streams too (piece by piece, so the joined stream content equals the non-stream content); raw mode
(``disable_formatting`` and its aliases) leaves the content as the upstream wrote it and passes
upstream-specific fields through. ``id`` is always the gateway's own.
"""

from __future__ import annotations

import json
import secrets
import time
from typing import Any

from gateway.defects import DefectSwitch
from gateway.errors import GatewayError
from gateway.formats.openai_chat.decode import THINKING_HEADER
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
from gateway.sse import encode as sse

__all__ = ["DONE", "ChunkEncoder", "encode_result", "new_id", "thinking_block", "usage_json"]

DONE = b"data: [DONE]\n\n"


def new_id() -> str:
    return f"chatcmpl-{secrets.token_hex(12)}"


def thinking_block(reasoning: str) -> str:
    """The Markdown block that precedes the answer under default formatting (D-8)."""
    lines = "\n".join(f"> {line}" if line else ">" for line in reasoning.split("\n"))
    return f"{THINKING_HEADER}{lines}\n\n"


def usage_json(request: ChatRequest, usage: Usage, defects: DefectSwitch) -> dict[str, Any]:
    out: dict[str, Any] = {
        "prompt_tokens": usage.input_tokens,
        "completion_tokens": usage.output_tokens,
        "total_tokens": usage.input_tokens + usage.output_tokens,
        "completion_tokens_details": {
            "reasoning_tokens": 0 if defects.on("reasoning_tokens_missing") else usage.reasoning_tokens
        },
        "prompt_tokens_details": {"cached_tokens": usage.cached_tokens},
        "cost": float(round(request.cost(usage), 10)),
    }
    if request.raw:
        out.update({k: v for k, v in usage.extra.items() if k not in out})
    if defects.on("chat_cost_missing"):
        del out["cost"]
    return out


def _show_reasoning(request: ChatRequest, reasoning: str | None) -> bool:
    return bool(reasoning) and not request.reasoning.exclude


def encode_result(request: ChatRequest, result: ChatResult, defects: DefectSwitch) -> dict[str, Any]:
    reasoning = result.reasoning if _show_reasoning(request, result.reasoning) else None
    content = result.text
    if reasoning and not request.raw:
        content = thinking_block(reasoning) + content
    message: dict[str, Any] = {"role": "assistant", "content": content or (None if result.tool_calls else "")}
    if reasoning:
        message["reasoning_content"] = reasoning
    calls = result.tool_calls
    if calls and defects.on("chat_parallel_calls_merged"):
        calls = [type(calls[0])(calls[0].id, calls[0].name, "".join(c.arguments for c in calls))]
    if calls:
        cut = 1 if defects.on("chat_tool_args_truncated") else 0
        message["tool_calls"] = [
            {"id": c.id, "type": "function", "function": {"name": c.name, "arguments": c.arguments[:len(c.arguments) - cut]}}
            for c in calls
        ]
    if request.raw:
        message.update({k: v for k, v in result.extra.items() if k not in message})
    finish = "stop" if result.finish == "length" and defects.on("chat_length_reported_as_stop") else result.finish
    return {
        "id": new_id(),
        "object": "chat.completion.chunk" if defects.on("chat_completion_object_wrong") else "chat.completion",
        "created": int(time.time()),
        "model": request.model.id,
        "choices": [{"index": 0, "message": message, "finish_reason": finish, "logprobs": None}],
        "usage": usage_json(request, result.usage, defects),
    }


class ChunkEncoder:
    """Turns IR stream events into ``data:`` frames, one chunk per event, nothing held back."""

    def __init__(self, request: ChatRequest, defects: DefectSwitch) -> None:
        self.request, self.defects = request, defects
        self.text_seen = False
        self.id, self.created, self.model = new_id(), int(time.time()), request.model.id
        self.role_sent = False
        self.in_block = False
        self.line_start = False
        self.finish: Finished | None = None
        self.usage: Usage | None = None

    def start(self) -> bytes:
        return b""

    def _chunk(self, delta: dict[str, Any], finish: str | None = None) -> bytes:
        if self.defects.on("chat_role_repeated"):
            self.role_sent = False
        if self.defects.on("chat_id_unstable"):
            self.id = new_id()
        if not self.role_sent:
            delta = {"role": "assistant", **delta}
            self.role_sent = True
        choice = {"index": 0, "delta": delta, "finish_reason": finish, "logprobs": None}
        kind = "chat.completion" if self.defects.on("chat_chunk_object_wrong") else "chat.completion.chunk"
        body: dict[str, Any] = {"id": self.id, "object": kind, "created": self.created,
                                "model": self.model, "choices": [choice]}
        if self.request.include_usage:
            body["usage"] = None
        return sse(json.dumps(body, ensure_ascii=False, separators=(",", ":")))

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

    def event(self, event: StreamEvent) -> bytes:
        """The frame(s) for one IR event (possibly none)."""
        if isinstance(event, ReasoningDelta):
            if self.request.reasoning.exclude:
                return b""
            delta: dict[str, Any] = {"reasoning_content": event.text}
            if not self.request.raw:
                opening = ""
                if not self.in_block:
                    self.in_block, self.line_start, opening = True, True, THINKING_HEADER
                delta["content"] = opening + self._quote(event.text)
            return self._chunk(delta)
        if isinstance(event, TextDelta):
            first_text, self.text_seen = not self.text_seen, True
            if first_text and self.defects.on("chat_stream_drops_first_text"):
                return b""
            return self._chunk({"content": self._close_block() + event.text})
        merged = self.defects.on("chat_parallel_calls_merged")
        if isinstance(event, ToolCallStart):
            closing = self._close_block()
            call: dict[str, Any] = {"index": 0 if merged else event.index, "id": event.id, "type": "function",
                                    "function": {"name": event.name, "arguments": ""}}
            if self.defects.on("chat_tool_call_id_dropped"):
                del call["id"]
            return (self._chunk({"content": closing}) if closing else b"") + self._chunk({"tool_calls": [call]})
        if isinstance(event, ToolArgsDelta):
            index = 0 if merged else event.index
            return self._chunk({"tool_calls": [{"index": index, "function": {"arguments": event.fragment}}]})
        if isinstance(event, Finished):
            self.finish = event
            if self.defects.on("chat_finish_reason_twice"):
                return self._chunk({}, event.finish)
            if self.defects.on("chat_empty_deltas"):
                return self._chunk({})
            return b""
        if isinstance(event, UsageReport):
            self.usage = event.usage
        return b""

    def end(self) -> bytes:
        """The finishing chunk, the usage chunk (when asked for) and ``[DONE]``."""
        closing = self._close_block()
        finish = self.finish.finish if self.finish else "stop"
        out = self._chunk({"content": closing} if closing else {}, finish)
        if self.request.include_usage:
            usage = usage_json(self.request, self.usage or Usage(), self.defects)
            body = {"id": self.id, "object": "chat.completion.chunk", "created": self.created, "model": self.model,
                    "choices": [], "usage": usage}
            frame = sse(json.dumps(body, separators=(",", ":")))
            out = frame + out if self.defects.on("chat_usage_chunk_early") else out + frame
        return out + (b"" if self.defects.on("chat_done_missing") else DONE)

    def error(self, error: GatewayError) -> bytes:
        """A failure after the stream started: one error frame, then ``[DONE]``."""
        body = {"error": {"message": error.message, "type": error.type, "param": error.param, "code": error.code}}
        return sse(json.dumps(body)) + (b"" if self.defects.on("chat_stream_error_without_done") else DONE)
