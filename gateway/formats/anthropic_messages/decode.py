"""``POST /v1/messages`` body (Anthropic Messages) → :class:`gateway.ir.ChatRequest`, or a 4xx."""

from __future__ import annotations

import base64
import json
from typing import Any

from gateway.catalog import Catalog
from gateway.errors import InvalidRequest
from gateway.formats.json_body import parse_json
from gateway.formats.openai_chat.decode import RAW_FLAGS
from gateway.formats.parameters import check_parameters, resolve_model
from gateway.ir import (
    ChatRequest,
    MediaPart,
    Message,
    ReasoningOptions,
    Tool,
    ToolCall,
    ToolChoice,
    check_media,
)
from gateway.ir.media import Kind, inline_part, refuse_media, url_part
from gateway.ir.reasoning import from_thinking, own_signature
from gateway.schemas import check_tool_schema, request_schema

__all__ = ["ENDPOINT", "decode_messages"]

ENDPOINT = "/v1/messages"
_OWN = frozenset({"model", "messages", "system", "stream", "metadata", "tools", "tool_choice",
                  "max_tokens", "stop_sequences"})


def _text_of(content: Any, glue: str = "\n") -> str:
    if isinstance(content, str):
        return content
    return glue.join(b["text"] for b in content or ()
                     if isinstance(b, dict) and b.get("type") == "text" and isinstance(b.get("text"), str))


def _media(block: dict[str, Any], where: str) -> MediaPart:
    """An ``image`` or ``document`` block: a ``base64`` / ``text`` / ``content`` source inline, a ``url``
    source by URL, a ``file`` source by its file id."""
    kind: Kind = "image" if block["type"] == "image" else "file"
    source = block.get("source") or {}
    name = block.get("title") if kind == "file" else None
    form = source.get("type")
    if form == "base64":
        return inline_part(kind, where, str(source.get("data") or ""), source.get("media_type"), filename=name)
    if form in ("text", "content"):
        content = source.get("data") if form == "text" else _text_of(source.get("content"))
        encoded = base64.b64encode(str(content or "").encode()).decode()
        return inline_part(kind, where, encoded, "text/plain", filename=name)
    if form == "file":
        return MediaPart(kind, "file_id", str(source.get("file_id") or ""), where, filename=name)
    return url_part(kind, where, str(source.get("url") or ""), filename=name)


def _no_media(content: Any, where: str) -> None:
    """A ``tool_result`` carrying an image or document block is a 400 naming the block (D-57)."""
    for j, block in enumerate(content if isinstance(content, list) else ()):
        if isinstance(block, dict) and block.get("type") in ("image", "document"):
            refuse_media(f"{where}[{j}]", "a tool_result")


def _turn(role: str, content: Any, where: str) -> list[Message]:
    """One Anthropic turn as IR messages: tool results first (one ``tool`` message each), then the text.
    An assistant turn's ``thinking`` text becomes its ``reasoning``, and a block signed by the upstream (not
    with the gateway's own signature) is also kept as sent for the upstream that signed it (D-62);
    ``redacted_thinking`` is accepted and not forwarded, D-8."""
    if isinstance(content, str):
        return [Message("user" if role == "user" else "assistant", content)]
    out: list[Message] = []
    texts: list[str] = []
    media: list[MediaPart] = []
    calls: list[ToolCall] = []
    thoughts: list[str] = []
    signed: list[tuple[str, str]] = []
    for i, block in enumerate(content):
        kind = block.get("type")
        if kind == "text":
            texts.append(block["text"])
        elif kind in ("image", "document"):
            media.append(_media(block, f"{where}[{i}]"))
        elif kind == "thinking":
            thoughts.append(block["thinking"])
            signature = block.get("signature")
            if isinstance(signature, str) and signature and signature != own_signature(block["thinking"]):
                signed.append((block["thinking"], signature))
        elif kind == "tool_use":
            calls.append(ToolCall(block["id"], block["name"], json.dumps(block.get("input") or {})))
        elif kind == "tool_result":
            _no_media(block.get("content"), f"{where}[{i}].content")
            out.append(Message("tool", _text_of(block.get("content")), tool_call_id=block["tool_use_id"],
                               is_error=bool(block.get("is_error"))))
    if role == "assistant":
        if media:
            refuse_media(media[0].where, "an assistant turn")
        out.append(Message("assistant", "\n".join(texts), tool_calls=calls,
                           reasoning="\n".join(thoughts) or None, signed_thinking=signed))
    elif texts or media or not out:
        out.append(Message("user", "\n".join(texts), media=media))
    return out


def _tool_choice(body: dict[str, Any], tools: list[Tool]) -> tuple[ToolChoice | None, bool | None]:
    choice = body.get("tool_choice")
    if choice is None:
        return None, None
    parallel = False if choice.get("disable_parallel_tool_use") else None
    if not tools and choice.get("type") in ("auto", "none"):
        return None, parallel
    if not tools:
        raise InvalidRequest("tool_choice needs tools.", param="tool_choice")
    kind = choice.get("type")
    if kind == "tool":
        if choice.get("name") not in {t.name for t in tools}:
            raise InvalidRequest(f"tool_choice names '{choice.get('name')}', which is not in tools.", param="tool_choice")
        return ToolChoice("named", choice["name"]), parallel
    mode = {"auto": "auto", "any": "required", "none": "none"}.get(kind or "")
    if mode is None:
        raise InvalidRequest("tool_choice.type must be auto, any, tool or none.", param="tool_choice")
    return ToolChoice(mode), parallel  # type: ignore[arg-type]


def _reasoning(body: dict[str, Any]) -> ReasoningOptions:
    """Anthropic's ``thinking``, else the chat-style controls the model lists (``enable_thinking``,
    ``reasoning_effort`` — ``none`` switches reasoning off —, ``thinking_budget``), D-21."""
    thinking, thinking_budget = from_thinking(body.get("thinking"))
    effort = body.get("reasoning_effort")
    enabled = thinking if thinking is not None else body.get("enable_thinking")
    if effort == "none":
        enabled = False
    budget = thinking_budget or body.get("thinking_budget")
    return ReasoningOptions(enabled=enabled, effort=effort, budget_tokens=budget)


def decode_messages(raw: bytes, catalog: Catalog) -> ChatRequest:
    body = parse_json(raw)
    request_schema("MessagesRequest").check(body)
    model = resolve_model(catalog.get, body["model"], ENDPOINT)
    check_parameters(model, body, skip=_OWN)
    check_parameters(model, {"tools": body.get("tools") or None})
    messages: list[Message] = []
    system = _text_of(body.get("system"))
    if system:
        messages.append(Message("system", system))
    for n, turn in enumerate(body["messages"]):
        messages.extend(_turn(turn["role"], turn["content"], f"messages[{n}].content"))
    check_media(model, messages)
    for i, t in enumerate(body.get("tools") or ()):
        if t.get("input_schema") is not None:
            check_tool_schema(t["input_schema"], f"tools[{i}].input_schema")
    tools = [Tool(t["name"], t.get("description") or "", t.get("input_schema") or {"type": "object"})
             for t in body.get("tools") or ()]
    choice, parallel = _tool_choice(body, tools)
    return ChatRequest(
        model=model,
        messages=messages,
        tools=tools,
        tool_choice=choice,
        parallel_tool_calls=parallel,
        max_output_tokens=body["max_tokens"],
        temperature=body.get("temperature"),
        top_p=body.get("top_p"),
        stop=list(body.get("stop_sequences") or ()),
        stream=bool(body.get("stream")),
        include_usage=True,
        reasoning=_reasoning(body),
        raw=any(body.get(flag) is True for flag in RAW_FLAGS),
        options=model.options(body),
    )
