"""IR → Anthropic Messages: the ``message`` object (:func:`encode_message`) and its named-event stream
(:class:`EventEncoder`: ``message_start`` → blocks → ``message_delta`` → ``message_stop``, as frames).

Reasoning becomes ``thinking`` blocks (D-8: no Markdown block here), signed with the upstream's signature
when it gave one (Claude, D-62), else the gateway's own. A stream's ``message_start``
carries an estimate of the input tokens when the upstream reports usage only at the end; the exact
count follows in ``message_delta.usage`` (D-29).
"""

from __future__ import annotations

import json
import re
from typing import Any

from gateway.errors import GatewayError
from gateway.formats.envelopes import ANTHROPIC_TYPES
from gateway.formats.frames import Frame
from gateway.ids import random_hex
from gateway.ir import (
    ChatRequest,
    ChatResult,
    Finish,
    Finished,
    ReasoningDelta,
    ReasoningSigned,
    StreamEvent,
    TextDelta,
    ToolArgsDelta,
    ToolCallStart,
    Usage,
    UsageReport,
)
from gateway.ir.reasoning import own_signature
from gateway.money import cost_number

__all__ = ["EventEncoder", "encode_message", "stop_reason"]

_STOP: dict[str, str] = {"stop": "end_turn", "length": "max_tokens", "tool_calls": "tool_use",
                         "content_filter": "refusal"}


def _id() -> str:
    return f"msg_{random_hex(12)}"


def stop_reason(finish: Finish, stop_sequence: str | None) -> str:
    return "stop_sequence" if finish == "stop" and stop_sequence else _STOP[finish]


def _input(arguments: str) -> dict[str, Any]:
    try:
        value = json.loads(arguments) if arguments.strip() else {}
    except ValueError:
        return {"arguments": arguments}
    return value if isinstance(value, dict) else {"value": value}


def _usage(request: ChatRequest, usage: Usage) -> dict[str, Any]:
    out: dict[str, Any] = {
        "input_tokens": max(0, usage.input_tokens - usage.cached_tokens - usage.cache_write_tokens),
        "output_tokens": usage.output_tokens,
        "cache_creation_input_tokens": usage.cache_write_tokens,
        "cache_read_input_tokens": usage.cached_tokens,
        "cost": cost_number(request.cost(usage)),
    }
    details = request.cost_details(usage)
    if details is not None:
        out["cost_details"] = {name: cost_number(usd) for name, usd in details.items()}
    return out


def encode_message(request: ChatRequest, result: ChatResult) -> dict[str, Any]:
    content: list[dict[str, Any]] = []
    if result.reasoning and not request.reasoning.exclude:
        signature = result.reasoning_signature or own_signature(result.reasoning)
        content.append({"type": "thinking", "thinking": result.reasoning, "signature": signature})
    if result.text:
        content.append({"type": "text", "text": result.text})
    for call in result.tool_calls:
        content.append({"type": "tool_use", "id": call.id, "name": call.name, "input": _input(call.arguments)})
    return {
        "id": _id(), "type": "message", "role": "assistant",
        "model": request.model.id, "content": content,
        "stop_reason": stop_reason(result.finish, result.stop_sequence), "stop_sequence": result.stop_sequence,
        "usage": _usage(request, result.usage),
    }


def estimate_input_tokens(request: ChatRequest) -> int:
    """A lower-bound estimate for ``message_start`` when the upstream has not reported usage yet."""
    words = sum(len(re.findall(r"\w+|[^\w\s]", m.content)) + 3 for m in request.messages)
    return max(1, words)


def _event(name: str, data: dict[str, Any]) -> Frame:
    return Frame(name, {"type": name, **data})


class EventEncoder:
    """IR stream events → Anthropic named events (frames), block by block, nothing held back."""

    def __init__(self, request: ChatRequest) -> None:
        self.request = request
        self.index = -1
        self.open: str | None = None
        self.thinking: list[str] = []
        self.signature: str | None = None
        self.tool_blocks: dict[int, int] = {}
        self.finish: Finished | None = None
        self.usage: Usage | None = None

    def start(self) -> list[Frame]:
        message: dict[str, Any] = {"id": _id(), "type": "message", "role": "assistant", "model": self.request.model.id,
                   "content": [], "stop_reason": None, "stop_sequence": None,
                   "usage": {"input_tokens": estimate_input_tokens(self.request), "output_tokens": 1}}
        return [_event("message_start", {"message": message}), _event("ping", {})]

    def _close(self) -> list[Frame]:
        if self.open is None:
            return []
        out = []
        if self.open == "thinking":
            signature = self.signature or own_signature("".join(self.thinking))
            self.signature, self.thinking = None, []
            out.append(_event("content_block_delta", {"index": self.index,
                                                      "delta": {"type": "signature_delta", "signature": signature}}))
        self.open = None
        return [*out, _event("content_block_stop", {"index": self.index})]

    def _begin(self, kind: str, block: dict[str, Any]) -> list[Frame]:
        out = self._close()
        self.index += 1
        self.open = kind
        return [*out, _event("content_block_start", {"index": self.index, "content_block": block})]

    def _delta(self, delta: dict[str, Any]) -> Frame:
        return _event("content_block_delta", {"index": self.index, "delta": delta})

    def event(self, event: StreamEvent) -> list[Frame]:
        if isinstance(event, ReasoningDelta):
            if self.request.reasoning.exclude:
                return []
            out = [] if self.open == "thinking" else self._begin("thinking", {"type": "thinking", "thinking": ""})
            self.thinking.append(event.text)
            return [*out, self._delta({"type": "thinking_delta", "thinking": event.text})]
        if isinstance(event, ReasoningSigned):
            if self.open == "thinking":
                self.signature = event.signature
            return []
        if isinstance(event, TextDelta):
            out = [] if self.open == "text" else self._begin("text", {"type": "text", "text": ""})
            return [*out, self._delta({"type": "text_delta", "text": event.text})]
        if isinstance(event, ToolCallStart):
            out = self._begin("tool_use", {"type": "tool_use", "id": event.id, "name": event.name, "input": {}})
            self.tool_blocks[event.index] = self.index
            return out
        if isinstance(event, ToolArgsDelta):
            if self.tool_blocks.get(event.index) != self.index:
                return []
            return [self._delta({"type": "input_json_delta", "partial_json": event.fragment})]
        if isinstance(event, Finished):
            self.finish = event
        elif isinstance(event, UsageReport):
            self.usage = event.usage
        return []

    def end(self) -> list[Frame]:
        finish = self.finish or Finished("stop")
        usage = _usage(self.request, self.usage or Usage())
        usage["output_tokens"] = max(1, usage["output_tokens"])
        delta = {"stop_reason": stop_reason(finish.finish, finish.stop_sequence), "stop_sequence": finish.stop_sequence}
        return [*self._close(), _event("message_delta", {"delta": delta, "usage": usage}), _event("message_stop", {})]

    def error(self, error: GatewayError) -> list[Frame]:
        kind = ANTHROPIC_TYPES.get(error.status, "api_error")
        return [_event("error", {"error": {"type": kind, "message": error.message}})]
