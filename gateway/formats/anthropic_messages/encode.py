"""IR → Anthropic Messages: the ``message`` object (:func:`encode_message`) and its named-event stream
(:class:`EventEncoder`: ``message_start`` → blocks → ``message_delta`` → ``message_stop``).

Reasoning becomes ``thinking`` blocks (D-8: no Markdown block here). A stream's ``message_start``
carries an estimate of the input tokens when the upstream reports usage only at the end; the exact
count follows in ``message_delta.usage`` (D-29).
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
from typing import Any

from gateway.defects import DefectSwitch
from gateway.errors import GatewayError
from gateway.formats.envelopes import ANTHROPIC_TYPES
from gateway.ir import (
    ChatRequest,
    ChatResult,
    Finish,
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

__all__ = ["EventEncoder", "encode_message", "stop_reason"]

_STOP: dict[str, str] = {"stop": "end_turn", "length": "max_tokens", "tool_calls": "tool_use",
                         "content_filter": "refusal"}


def _id() -> str:
    return f"msg_{secrets.token_hex(12)}"


def stop_reason(finish: Finish, stop_sequence: str | None) -> str:
    return "stop_sequence" if finish == "stop" and stop_sequence else _STOP[finish]


def _signature(thinking: str) -> str:
    return hashlib.sha256(thinking.encode()).hexdigest()


def _input(arguments: str) -> dict[str, Any]:
    try:
        value = json.loads(arguments) if arguments.strip() else {}
    except ValueError:
        return {"arguments": arguments}
    return value if isinstance(value, dict) else {"value": value}


def _usage(request: ChatRequest, usage: Usage) -> dict[str, Any]:
    return {
        "input_tokens": max(0, usage.input_tokens - usage.cached_tokens - usage.cache_write_tokens),
        "output_tokens": usage.output_tokens,
        "cache_creation_input_tokens": usage.cache_write_tokens,
        "cache_read_input_tokens": usage.cached_tokens,
        "cost": float(round(request.cost(usage), 10)),
    }


def encode_message(request: ChatRequest, result: ChatResult, defects: DefectSwitch) -> dict[str, Any]:
    content: list[dict[str, Any]] = []
    if result.reasoning and not request.reasoning.exclude and not defects.on("msg_thinking_dropped"):
        content.append({"type": "thinking", "thinking": result.reasoning, "signature": _signature(result.reasoning)})
    text = result.text[:-1] if defects.on("msg_text_differs_across_formats") else result.text
    if text:
        content.append({"type": "text", "text": text})
    calls = result.tool_calls[:1] if defects.on("msg_parallel_tool_use_merged") else result.tool_calls
    for call in calls:
        content.append({"type": "tool_use", "id": call.id, "name": call.name, "input": _input(call.arguments)})
    return {
        "id": _id(), "type": "msg" if defects.on("msg_type_wrong") else "message", "role": "assistant",
        "model": request.model.id, "content": content,
        "stop_reason": stop_reason(result.finish, result.stop_sequence), "stop_sequence": result.stop_sequence,
        "usage": _usage(request, result.usage),
    }


def estimate_input_tokens(request: ChatRequest) -> int:
    """A lower-bound estimate for ``message_start`` when the upstream has not reported usage yet."""
    words = sum(len(re.findall(r"\w+|[^\w\s]", m.content)) + 3 for m in request.messages)
    return max(1, words)


class EventEncoder:
    """IR stream events → Anthropic named SSE events, block by block, nothing held back."""

    def __init__(self, request: ChatRequest, defects: DefectSwitch) -> None:
        self.request, self.defects = request, defects
        self.index = -1
        self.open: str | None = None
        self.thinking: list[str] = []
        self.tool_blocks: dict[int, int] = {}
        self.finish: Finished | None = None
        self.usage: Usage | None = None

    def _event(self, name: str, data: dict[str, Any]) -> bytes:
        return sse(json.dumps({"type": name, **data}, ensure_ascii=False, separators=(",", ":")), name)

    def start(self) -> bytes:
        message: dict[str, Any] = {"id": _id(), "type": "message", "role": "assistant", "model": self.request.model.id,
                   "content": [], "stop_reason": None, "stop_sequence": None,
                   "usage": {"input_tokens": estimate_input_tokens(self.request), "output_tokens": 1}}
        if self.defects.on("msg_start_zero_input"):
            message["usage"]["input_tokens"] = 0
        return self._event("message_start", {"message": message}) + self._event("ping", {})

    def _close(self) -> bytes:
        if self.open is None:
            return b""
        out = b""
        if self.open == "thinking":
            signature = _signature("".join(self.thinking))
            out += self._event("content_block_delta", {"index": self.index,
                                                       "delta": {"type": "signature_delta", "signature": signature}})
        self.open = None
        index = self.index + 1 if self.defects.on("msg_block_stop_index_mismatch") else self.index
        return out + self._event("content_block_stop", {"index": index})

    def _begin(self, kind: str, block: dict[str, Any]) -> bytes:
        out = self._close()
        self.index += 1
        self.open = kind
        return out + self._event("content_block_start", {"index": self.index, "content_block": block})

    def _delta(self, delta: dict[str, Any]) -> bytes:
        return self._event("content_block_delta", {"index": self.index, "delta": delta})

    def event(self, event: StreamEvent) -> bytes:
        if isinstance(event, ReasoningDelta):
            if self.request.reasoning.exclude or self.defects.on("msg_thinking_dropped"):
                return b""
            out = b"" if self.open == "thinking" else self._begin("thinking", {"type": "thinking", "thinking": ""})
            self.thinking.append(event.text)
            return out + self._delta({"type": "thinking_delta", "thinking": event.text})
        if isinstance(event, TextDelta):
            out = b"" if self.open == "text" else self._begin("text", {"type": "text", "text": ""})
            kind = "text" if self.defects.on("msg_text_delta_type_wrong") else "text_delta"
            return out + self._delta({"type": kind, "text": event.text})
        if isinstance(event, ToolCallStart):
            if self.tool_blocks and self.defects.on("msg_parallel_tool_use_merged"):
                return b""
            out = self._begin("tool_use", {"type": "tool_use", "id": event.id, "name": event.name, "input": {}})
            self.tool_blocks[event.index] = self.index
            return out
        if isinstance(event, ToolArgsDelta):
            if self.tool_blocks.get(event.index) != self.index:
                return b""
            return self._delta({"type": "input_json_delta", "partial_json": event.fragment})
        if isinstance(event, Finished):
            self.finish = event
        elif isinstance(event, UsageReport):
            self.usage = event.usage
        return b""

    def end(self) -> bytes:
        finish = self.finish or Finished("stop")
        usage = _usage(self.request, self.usage or Usage())
        usage["output_tokens"] = max(1, usage["output_tokens"])
        reason: str | None = stop_reason(finish.finish, finish.stop_sequence)
        if self.defects.on("msg_delta_no_stop_reason"):
            reason = None
        delta = {"stop_reason": reason, "stop_sequence": finish.stop_sequence}
        stop = b"" if self.defects.on("msg_stop_missing") else self._event("message_stop", {})
        return self._close() + self._event("message_delta", {"delta": delta, "usage": usage}) + stop

    def error(self, error: GatewayError) -> bytes:
        kind = ANTHROPIC_TYPES.get(error.status, "api_error")
        if self.defects.on("msg_stream_error_not_event"):
            return sse(json.dumps({"error": {"message": error.message, "type": error.type, "code": error.code}}))
        return self._event("error", {"error": {"type": kind, "message": error.message}})
