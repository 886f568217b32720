"""The Anthropic Messages driver (``POST /v1/messages``), on the helpers of :mod:`suites.anthropic_stream`."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import httpx

from suites import anthropic_stream as messages
from suites.checks import messages as checks
from suites.client import ApiClient
from suites.discovery import param_names
from suites.drivers.base import (
    Answer,
    Finish,
    FormatDriver,
    Model,
    Named,
    ToolCall,
    ToolChoice,
    Usage,
    parse_arguments,
    reasoning_off,
)
from suites.streams import EventStream
from suites.tools import Tool

__all__ = ["MessagesDriver", "thinking_off"]

_FINISH: dict[str, Finish] = {"end_turn": "stop", "stop_sequence": "stop", "max_tokens": "length",
                              "tool_use": "tool_calls", "refusal": "content_filter"}
_CHOICE: dict[str, dict[str, str]] = {"auto": {"type": "auto"}, "required": {"type": "any"}, "none": {"type": "none"}}


def thinking_off(model: Model) -> dict[str, Any]:
    """Anthropic's ``thinking: {"type": "disabled"}`` when the model lists ``thinking`` or a ``reasoning``
    switch (the Messages format's own way of saying it), plus the chat-style flat controls it lists
    (``enable_thinking``, ``reasoning_effort``; the ``reasoning`` object is not a Messages field)."""
    extra = reasoning_off(model)
    switch = extra.pop("reasoning", None)
    if "thinking" in param_names(model) or switch is not None:
        extra["thinking"] = {"type": "disabled"}
    return extra


def _usage(usage: Any) -> Usage | None:
    if not isinstance(usage, dict):
        return None
    counts = [usage.get(k) for k in ("input_tokens", "cache_read_input_tokens", "cache_creation_input_tokens")]
    total_input = sum(c for c in counts if isinstance(c, int)) if isinstance(counts[0], int) else counts[0]
    return Usage(input=total_input, output=usage.get("output_tokens"), cached=usage.get("cache_read_input_tokens"),
                 cost=usage.get("cost"), raw=usage)


def _read(content: Sequence[dict[str, Any]]) -> tuple[str, str, list[ToolCall]]:
    """(text, thinking, tool calls) of a message's content blocks."""
    text = "".join(str(b.get("text") or "") for b in content if b.get("type") == "text")
    thinking = "".join(str(b.get("thinking") or "") for b in content if b.get("type") == "thinking")
    calls = [ToolCall(b.get("id"), b.get("name"), b.get("input")) for b in content if b.get("type") == "tool_use"]
    return text, thinking, calls


class MessagesDriver(FormatDriver):
    """Anthropic Messages: ``messages`` of content blocks in, a ``message`` (or named events) out."""

    name = "messages"
    endpoint = messages.MESSAGES
    envelope = "anthropic"
    timestamped = False
    selection = messages
    max_tokens_field = "max_tokens"

    def off_controls(self, model: Model) -> dict[str, Any]:
        return thinking_off(model)

    def _reasoning_on(self, model: Model) -> dict[str, Any]:
        return messages.reasoning_extra(model)

    def _tool(self, tool: Tool) -> dict[str, Any]:
        return tool.messages()

    def _tool_choice(self, choice: ToolChoice) -> Any:
        return {"type": "tool", "name": choice.name} if isinstance(choice, Named) else _CHOICE[choice]

    def _build(self, model: Model | str, prompt: Any, fields: dict[str, Any]) -> dict[str, Any]:
        return messages.message_body(model, prompt, **fields)

    def round_trip(self, body: dict[str, Any], calls: Sequence[ToolCall], results: Sequence[str]) -> dict[str, Any]:
        uses = [{"type": "tool_use", "id": c.id, "name": c.name, "input": parse_arguments(c.raw)[0]} for c in calls]
        outcome = [{"type": "tool_result", "tool_use_id": c.id, "content": r} for c, r in zip(calls, results, strict=True)]
        return {**body, "messages": [*body["messages"], {"role": "assistant", "content": uses},
                                     {"role": "user", "content": outcome}]}

    def create(self, api: ApiClient, body: Any, **kwargs: Any) -> httpx.Response:
        return messages.create(api, body, **kwargs)

    def stream(self, api: ApiClient, body: Any, **kwargs: Any) -> EventStream:
        return messages.stream_messages(api, body, **kwargs)

    def answer(self, response: httpx.Response) -> Answer:
        body = response.json()
        text, thinking, calls = _read(body.get("content") or ())
        raw = body.get("stop_reason")
        return Answer(text=text, reasoning=thinking, calls=calls, finish=_FINISH.get(str(raw), "other"),
                      finish_raw=raw, usage=_usage(body.get("usage")), model=body.get("model"),
                      headers=response.headers, body=response.content, raw=body, streamed=False)

    def grammar(self, result: EventStream) -> None:
        checks.event_order(result.names, result.payloads)
        checks.message_start_rules(result.payloads)
        checks.blocks_in_order(result.payloads)
        checks.message_delta_rules(result.payloads)

    def streamed(self, result: EventStream) -> Answer:
        payloads = result.payloads
        failed = "error" in result.names or any(p.get("type") == "error" for p in payloads)
        text, thinking, calls = _read(checks.blocks_in_order(payloads))
        starts = [p.get("message") or {} for p in payloads if p.get("type") == "message_start"]
        deltas = [p for p in payloads if p.get("type") == "message_delta"]
        raw = (deltas[-1].get("delta") or {}).get("stop_reason") if deltas else None
        usage = {**((starts[0].get("usage") or {}) if starts else {}), **((deltas[-1].get("usage") or {}) if deltas else {})}
        return Answer(text=text, reasoning=thinking, calls=calls,
                      finish="error" if failed else _FINISH.get(str(raw), "other"), finish_raw=raw,
                      usage=_usage(usage) if usage else None, model=starts[0].get("model") if starts else None,
                      headers=result.headers, body=result.raw, raw=result, streamed=True)
