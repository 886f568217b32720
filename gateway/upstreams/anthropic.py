"""Claude models through the Anthropic Messages wire: IR ↔ ``/v1/messages`` (tools as ``tool_use`` /
``tool_result`` blocks, consecutive tool results grouped into one user turn, thinking as ``thinking``).

Thinking blocks the upstream signed come back unchanged at the start of their assistant turn while thinking
is on; a tool-result continuation of a turn without them is sent with thinking off, the only way Anthropic
answers it (D-62). The upstream's signatures are relayed to /v1/messages clients."""

from __future__ import annotations

import base64
import json
import re
from collections.abc import AsyncIterator
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
    ReasoningSigned,
    StreamEvent,
    TextDelta,
    ToolArgsDelta,
    ToolCall,
    ToolCallStart,
    Usage,
    UsageReport,
)
from gateway.ir.reasoning import thinking_budget
from gateway.upstreams.http import UpstreamHTTP, upstream_errors

__all__ = ["AnthropicAdapter", "media_block"]

VERSION = "2023-06-01"
DEFAULT_MAX_TOKENS = 4096
_TOKENS = re.compile(r"\w+|[^\w\s]")
_STOP = {"end_turn": "stop", "stop_sequence": "stop", "max_tokens": "length", "tool_use": "tool_calls",
         "pause_turn": "stop", "refusal": "content_filter"}


def _arguments(text: str) -> dict[str, Any]:
    value = json.loads(text) if text.strip() else {}
    return value if isinstance(value, dict) else {"value": value}


def media_block(part: MediaPart) -> dict[str, Any]:
    """An image or file part as an ``image`` or ``document`` block (D-57); what the wire cannot carry was
    refused when the request was decoded (:func:`gateway.ir.check_media`)."""
    if part.source != "data":
        source: dict[str, Any] = {"type": "url", "url": part.value}
    elif part.media_type == "text/plain" and part.kind == "file":
        text = base64.b64decode(part.value).decode("utf-8", "replace")
        source = {"type": "text", "media_type": "text/plain", "data": text}
    else:
        source = {"type": "base64", "media_type": part.media_type, "data": part.value}
    if part.kind == "image":
        return {"type": "image", "source": source}
    block: dict[str, Any] = {"type": "document", "source": source}
    if part.filename:
        block["title"] = part.filename
    return block


def _blocks(m: Message, *, thinking: bool = False) -> list[dict[str, Any]]:
    blocks: list[dict[str, Any]] = []
    if thinking:
        blocks += [{"type": "thinking", "thinking": text, "signature": signature}
                   for text, signature in m.signed_thinking]
    if m.content:
        blocks.append({"type": "text", "text": m.content})
    blocks.extend(media_block(part) for part in m.media)
    for call in m.tool_calls:
        blocks.append({"type": "tool_use", "id": call.id, "name": call.name, "input": _arguments(call.arguments)})
    return blocks


def unsigned_tool_turn(messages: list[Message]) -> bool:
    """Whether the conversation ends with tool results answering an assistant turn that has no thinking
    block signed by the upstream (the client dropped it, or it came through a format that carries no
    signature): Anthropic refuses such a continuation with thinking on (D-62)."""
    tail = len(messages)
    while tail and messages[tail - 1].role == "tool":
        tail -= 1
    if tail == len(messages) or not tail:
        return False
    turn = messages[tail - 1]
    return turn.role == "assistant" and bool(turn.tool_calls) and not turn.signed_thinking


def _conversation(messages: list[Message], *, thinking: bool = False) -> tuple[str, list[dict[str, Any]]]:
    """System text, and turns in which consecutive tool results share one user turn; with ``thinking``,
    an assistant turn starts with the thinking blocks the upstream signed (D-62)."""
    system = "\n\n".join(m.content for m in messages if m.role == "system")
    turns: list[dict[str, Any]] = []
    for m in messages:
        if m.role == "system":
            continue
        if m.role == "tool":
            block: dict[str, Any] = {"type": "tool_result", "tool_use_id": m.tool_call_id, "content": m.content}
            if m.is_error:
                block["is_error"] = True
            if turns and turns[-1]["role"] == "user" and turns[-1]["content"][0].get("type") == "tool_result":
                turns[-1]["content"].append(block)
            else:
                turns.append({"role": "user", "content": [block]})
            continue
        blocks = _blocks(m, thinking=thinking) or [{"type": "text", "text": ""}]
        if turns and turns[-1]["role"] == m.role:
            turns[-1]["content"].extend(blocks)
        else:
            turns.append({"role": m.role, "content": blocks})
    return system, turns


def reasoning_estimate(thinking: str, output_tokens: int) -> int:
    """Anthropic reports no thinking tokens apart from ``output_tokens`` (which include them): the thinking
    text's word-and-punctuation count, held within the output (a lower bound on summarised thinking), D-64."""
    return min(output_tokens, len(_TOKENS.findall(thinking))) if thinking else 0


def _usage(raw: dict[str, Any]) -> Usage:
    read = int(raw.get("cache_read_input_tokens") or 0)
    write = int(raw.get("cache_creation_input_tokens") or 0)
    return Usage(input_tokens=int(raw.get("input_tokens") or 0) + read + write,
                 output_tokens=int(raw.get("output_tokens") or 0), cached_tokens=read, cache_write_tokens=write)


class AnthropicAdapter:
    def __init__(self, http: UpstreamHTTP, upstream: Upstream) -> None:
        self.http, self.upstream = http, upstream
        self.headers = {"x-api-key": upstream.api_key or "unset", "anthropic-version": VERSION}

    def body(self, request: ChatRequest, *, stream: bool) -> dict[str, Any]:
        limit = request.max_output_tokens or request.model.public.get("max_output_tokens") or DEFAULT_MAX_TOKENS
        budget = None if unsigned_tool_turn(request.messages) else thinking_budget(request.reasoning, limit)
        system, turns = _conversation(request.messages, thinking=budget is not None)
        body: dict[str, Any] = {"model": request.model.upstream_model, "messages": turns, "max_tokens": limit}
        if system:
            body["system"] = system
        for name, value in (("temperature", request.temperature), ("top_p", request.top_p)):
            if value is not None:
                body[name] = value
        if request.stop:
            body["stop_sequences"] = request.stop
        if request.tools:
            body["tools"] = [{"name": t.name, "description": t.description, "input_schema": t.parameters}
                             for t in request.tools]
        choice = request.tool_choice
        if choice is not None or request.parallel_tool_calls is False:
            mode = {"auto": "auto", "none": "none", "required": "any", "named": "tool"}[choice.mode if choice else "auto"]
            body["tool_choice"] = {"type": mode}
            if choice is not None and choice.mode == "named":
                body["tool_choice"]["name"] = choice.name
            if request.parallel_tool_calls is False:
                body["tool_choice"]["disable_parallel_tool_use"] = True
        if budget is not None:
            body["thinking"] = {"type": "enabled", "budget_tokens": budget}
            body["max_tokens"] = max(limit, budget + 1)
        if stream:
            body["stream"] = True
        return body

    async def complete(self, request: ChatRequest) -> ChatResult:
        payload = await self.http.post_json(self.upstream, "/v1/messages", self.body(request, stream=False),
                                            self.headers)
        async with upstream_errors():
            text, reasoning, calls, signatures = [], [], [], []
            for block in payload["content"]:
                if block["type"] == "text":
                    text.append(block["text"])
                elif block["type"] == "thinking":
                    reasoning.append(block["thinking"])
                    signatures.append(block.get("signature"))
                elif block["type"] == "tool_use":
                    calls.append(ToolCall(block["id"], block["name"], json.dumps(block["input"])))
            usage = _usage(payload["usage"])
            usage.reasoning_tokens = reasoning_estimate("".join(reasoning), usage.output_tokens)
            return ChatResult(
                text="".join(text),
                reasoning="".join(reasoning) or None,
                tool_calls=calls,
                finish=_STOP.get(payload.get("stop_reason") or "end_turn", "stop"),  # type: ignore[arg-type]
                stop_sequence=payload.get("stop_sequence"),
                usage=usage,
                reasoning_signature=signatures[0] if len(signatures) == 1 else None,
            )

    async def stream(self, request: ChatRequest) -> AsyncIterator[StreamEvent]:
        tool_index: dict[int, int] = {}
        thought: list[str] = []
        usage = Usage()
        finish: Finished | None = None
        events = self.http.post_sse(self.upstream, "/v1/messages", self.body(request, stream=True), self.headers)
        async for event in events:
            async with upstream_errors():
                data = json.loads(event.data)
                kind = data.get("type")
                if kind == "message_start":
                    usage = _usage(data["message"]["usage"])
                elif kind == "content_block_start" and data["content_block"]["type"] == "tool_use":
                    block = data["content_block"]
                    tool_index[data["index"]] = len(tool_index)
                    yield ToolCallStart(tool_index[data["index"]], block["id"], block["name"])
                elif kind == "content_block_delta":
                    delta = data["delta"]
                    if delta["type"] == "text_delta" and delta["text"]:
                        yield TextDelta(delta["text"])
                    elif delta["type"] == "thinking_delta" and delta["thinking"]:
                        thought.append(delta["thinking"])
                        yield ReasoningDelta(delta["thinking"])
                    elif delta["type"] == "signature_delta" and delta.get("signature"):
                        yield ReasoningSigned(delta["signature"])
                    elif delta["type"] == "input_json_delta" and delta["partial_json"]:
                        yield ToolArgsDelta(tool_index[data["index"]], delta["partial_json"])
                elif kind == "message_delta":
                    usage.output_tokens = int(data.get("usage", {}).get("output_tokens") or usage.output_tokens)
                    reason = data["delta"].get("stop_reason") or "end_turn"
                    finish = Finished(_STOP.get(reason, "stop"), data["delta"].get("stop_sequence"))  # type: ignore[arg-type]
                elif kind == "error":
                    raise UpstreamError("The model provider failed while answering.")
                elif kind == "message_stop":
                    if finish is None:
                        raise UpstreamError("The model provider's answer was cut short.")
                    usage.reasoning_tokens = reasoning_estimate("".join(thought), usage.output_tokens)
                    yield finish
                    yield UsageReport(usage)
                    return
        raise UpstreamError("The model provider's answer was cut short.")
