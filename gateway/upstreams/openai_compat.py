"""OpenAI-compatible providers (Qwen, Seed, Mistral, Nova, MiMo… and DeepSeek), from one parameterised
base: a :class:`Dialect` says what differs — the path, the output-limit field, reasoning controls, and
whether a tool-call turn carries its ``reasoning_content`` back (DeepSeek thinking mode, D-8).
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from gateway.config import Upstream
from gateway.errors import UpstreamError
from gateway.ir import (
    ChatRequest,
    ChatResult,
    Finished,
    MediaPart,
    Message,
    ReasoningDelta,
    StreamEvent,
    TextDelta,
    ToolArgsDelta,
    ToolCall,
    ToolCallStart,
    Usage,
    UsageReport,
)
from gateway.ir.reasoning import switch
from gateway.upstreams.http import UpstreamHTTP, upstream_errors
from gateway.upstreams.stops import StopScanner, cut_at_stop

__all__ = ["DEEPSEEK", "OPENAI", "Dialect", "OpenAICompatibleAdapter", "chat_part", "refuses_reasoning_history"]

_FINISH = {"stop": "stop", "length": "length", "tool_calls": "tool_calls", "content_filter": "content_filter",
           "function_call": "tool_calls", "insufficient_system_resource": "stop"}
_STANDARD_USAGE = {"prompt_tokens", "completion_tokens", "total_tokens", "completion_tokens_details",
                   "prompt_tokens_details"}
_STANDARD_MESSAGE = {"role", "content", "tool_calls", "refusal", "reasoning_content", "annotations", "audio"}


@dataclass(frozen=True)
class Dialect:
    path: str
    limit_field: str
    reasoning_controls: bool
    tool_turn_reasoning: bool = False
    """Assistant turns carry their ``reasoning_content`` back, ``""`` on a tool-call turn that came without
    it (DeepSeek thinking mode needs it after tool calls and ignores it elsewhere), D-8."""


OPENAI = Dialect(path="/v1/chat/completions", limit_field="max_completion_tokens", reasoning_controls=False)
DEEPSEEK = Dialect(path="/chat/completions", limit_field="max_tokens", reasoning_controls=True,
                   tool_turn_reasoning=True)


def refuses_reasoning_history(upstream_model: str) -> bool:
    """DeepSeek's R1-style reasoner answers 400 to any ``reasoning_content`` in input (seed 004), D-8."""
    model = upstream_model.lower()
    return "reasoner" in model or "r1" in model


def chat_part(part: MediaPart) -> dict[str, Any]:
    """A media part as a Chat Completions content part (D-57)."""
    if part.kind == "audio":
        name = part.format or (part.media_type or "audio/wav").split("/", 1)[1].replace("mpeg", "mp3")
        return {"type": "input_audio", "input_audio": {"data": part.value, "format": name}}
    if part.kind == "video":
        return {"type": "video_url", "video_url": {"url": part.data_url}}
    if part.kind == "file":
        return {"type": "file", "file": {"file_data": part.data_url, "filename": part.filename or "file"}}
    image: dict[str, Any] = {"url": part.data_url}
    if part.detail is not None:
        image["detail"] = part.detail
    return {"type": "image_url", "image_url": image}


def _message(m: Message, *, keep_reasoning: bool = False) -> dict[str, Any]:
    if m.role == "tool":
        return {"role": "tool", "tool_call_id": m.tool_call_id, "content": m.content}
    out: dict[str, Any] = {"role": m.role}
    if m.media:
        out["content"] = [{"type": "text", "text": m.content}] * bool(m.content) + [chat_part(p) for p in m.media]
    else:
        out["content"] = m.content if m.content or not m.tool_calls else None
    if m.tool_calls:
        out["tool_calls"] = [
            {"id": c.id, "type": "function", "function": {"name": c.name, "arguments": c.arguments}}
            for c in m.tool_calls
        ]
    if keep_reasoning and m.role == "assistant" and (m.tool_calls or m.reasoning):
        out["reasoning_content"] = m.reasoning or ""
    return out


def _usage(raw: dict[str, Any] | None) -> Usage:
    raw = raw or {}
    details = raw.get("completion_tokens_details") or {}
    prompt_details = raw.get("prompt_tokens_details") or {}
    return Usage(
        input_tokens=int(raw.get("prompt_tokens") or 0),
        output_tokens=int(raw.get("completion_tokens") or 0),
        reasoning_tokens=int(details.get("reasoning_tokens") or 0),
        cached_tokens=int(prompt_details.get("cached_tokens") or raw.get("prompt_cache_hit_tokens") or 0),
        extra={k: v for k, v in raw.items() if k not in _STANDARD_USAGE},
    )


class OpenAICompatibleAdapter:
    def __init__(self, http: UpstreamHTTP, upstream: Upstream, dialect: Dialect) -> None:
        self.http, self.upstream, self.dialect = http, upstream, dialect
        self.headers = {"authorization": f"Bearer {upstream.api_key or 'unset'}"}

    def body(self, request: ChatRequest, *, stream: bool) -> dict[str, Any]:
        model = request.model.upstream_model
        keep = self.dialect.tool_turn_reasoning and not refuses_reasoning_history(model)
        body: dict[str, Any] = {**request.passthrough, "model": model,
                                "messages": [_message(m, keep_reasoning=keep) for m in request.messages]}
        for name, value in (("temperature", request.temperature), ("top_p", request.top_p), ("seed", request.seed),
                            (self.dialect.limit_field, request.max_output_tokens)):
            if value is not None:
                body[name] = value
        if request.tools:
            body["tools"] = [{"type": "function", "function": {"name": t.name, "description": t.description,
                                                               "parameters": t.parameters}} for t in request.tools]
        if request.tool_choice is not None:
            choice = request.tool_choice
            body["tool_choice"] = ({"type": "function", "function": {"name": choice.name}}
                                   if choice.mode == "named" else choice.mode)
        if request.parallel_tool_calls is not None:
            body["parallel_tool_calls"] = request.parallel_tool_calls
        if self.dialect.reasoning_controls:
            r = request.reasoning
            if switch(r) is not None:
                body["enable_thinking"] = switch(r)
            if r.effort is not None:
                body["reasoning_effort"] = r.effort
            if r.budget_tokens is not None:
                body["thinking_budget"] = r.budget_tokens
        if stream:
            body["stream"] = True
            body["stream_options"] = {"include_usage": True}
        return body

    async def complete(self, request: ChatRequest) -> ChatResult:
        payload = await self.http.post_json(self.upstream, self.dialect.path, self.body(request, stream=False),
                                            self.headers)
        async with upstream_errors():
            choice = payload["choices"][0]
            message = choice["message"]
            calls = [ToolCall(c["id"], c["function"]["name"], c["function"].get("arguments") or "")
                     for c in message.get("tool_calls") or ()]
            text, matched = cut_at_stop(message.get("content") or "", request.stop)
            finish = _FINISH.get(choice.get("finish_reason") or "stop", "stop")
            return ChatResult(
                text=text,
                stop_sequence=matched,
                reasoning=message.get("reasoning_content"),
                tool_calls=calls,
                finish="stop" if matched else finish,  # type: ignore[arg-type]
                usage=_usage(payload.get("usage")),
                extra={k: v for k, v in message.items() if k not in _STANDARD_MESSAGE},
            )

    async def stream(self, request: ChatRequest) -> AsyncIterator[StreamEvent]:
        scanner = StopScanner(request.stop) if request.stop else None
        finished = False
        events = self.http.post_sse(self.upstream, self.dialect.path, self.body(request, stream=True), self.headers)
        async for event in events:
            if event.data.strip() == "[DONE]":
                break
            async with upstream_errors():
                chunk = json.loads(event.data)
                if "error" in chunk:
                    raise UpstreamError("The model provider failed while answering.")
                items = _chunk_events(chunk)
            for item in items if scanner is None else _scan(scanner, items):
                finished = finished or isinstance(item, Finished)
                yield item
        if not finished:
            raise UpstreamError("The model provider's answer was cut short.")


def _scan(scanner: StopScanner, items: list[StreamEvent]) -> list[StreamEvent]:
    """Apply the gateway's stop sequences to one chunk's events. After a match the upstream is still
    read to its end (its usage is what is billed) but its text is dropped."""
    out: list[StreamEvent] = []
    for item in items:
        if isinstance(item, TextDelta):
            if scanner.matched is None:
                text = scanner.feed(item.text)
                if text:
                    out.append(TextDelta(text))
                if scanner.matched is not None:
                    out.append(Finished("stop", scanner.matched))
        elif isinstance(item, Finished):
            if scanner.matched is None:
                rest = scanner.flush()
                if rest:
                    out.append(TextDelta(rest))
                out.append(item)
        else:
            out.append(item)
    return out


def _chunk_events(chunk: dict[str, Any]) -> list[StreamEvent]:
    out: list[StreamEvent] = []
    for choice in chunk.get("choices") or ():
        delta = choice.get("delta") or {}
        if delta.get("reasoning_content"):
            out.append(ReasoningDelta(delta["reasoning_content"]))
        if delta.get("content"):
            out.append(TextDelta(delta["content"]))
        for call in delta.get("tool_calls") or ():
            function = call.get("function") or {}
            if call.get("id"):
                out.append(ToolCallStart(int(call["index"]), call["id"], function.get("name") or ""))
            if function.get("arguments"):
                out.append(ToolArgsDelta(int(call["index"]), function["arguments"]))
        if choice.get("finish_reason"):
            out.append(Finished(_FINISH.get(choice["finish_reason"], "stop")))  # type: ignore[arg-type]
    if chunk.get("usage"):
        out.append(UsageReport(_usage(chunk["usage"])))
    return out
