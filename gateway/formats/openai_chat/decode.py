"""``POST /v1/chat/completions`` body → :class:`gateway.ir.ChatRequest`, or a 4xx naming the problem."""

from __future__ import annotations

import mimetypes
from typing import Any

from gateway.catalog import Catalog
from gateway.errors import InvalidRequest
from gateway.formats.json_body import parse_json
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
from gateway.ir.media import audio_media_type, inline_part, refuse_media, url_part
from gateway.ir.reasoning import from_thinking
from gateway.schemas import check_tool_schema, request_schema

__all__ = ["ENDPOINT", "FREE_CHOICES", "THINKING_HEADER", "audio_part", "decode_chat"]

ENDPOINT = "/v1/chat/completions"
THINKING_HEADER = "> **Thinking…**\n>\n"
RAW_FLAGS = ("disable_formatting", "raw", "passthrough", "raw_response")
_PASSTHROUGH = ("presence_penalty", "frequency_penalty", "response_format", "user", "logprobs", "top_logprobs",
                "logit_bias", "top_k", "repetition_penalty", "metadata")
_OWN = frozenset({"model", "messages", "stream", "stream_options"})
FREE_CHOICES = ("auto", "none")
"""``tool_choice`` values that need no ``tools`` (D-42): accepted without them and not forwarded."""


def _file(file: dict[str, Any], where: str) -> MediaPart:
    """A Chat ``file`` part: an uploaded file's id, or ``file_data`` as a data URL (or bare base64 whose type
    the ``filename`` gives)."""
    name = file.get("filename")
    if file.get("file_id") and not file.get("file_data"):
        return MediaPart("file", "file_id", file["file_id"], where, filename=name)
    data = str(file.get("file_data") or "")
    if data.lstrip()[:5].lower() == "data:":
        return url_part("file", where, data, filename=name)
    return inline_part("file", where, data, mimetypes.guess_type(name or "")[0], filename=name)


def audio_part(audio: dict[str, Any], where: str) -> MediaPart:
    """``input_audio`` ``{data, format}`` (Chat and Responses): base64 data, or a data / http(s) URL."""
    data, name = str(audio.get("data") or ""), str(audio.get("format") or "")
    media_type = audio_media_type(where, name)
    if data.lstrip()[:5].lower() in ("data:", "http:", "https", "bunny"):
        return url_part("audio", where, data, format=name)
    return inline_part("audio", where, data, media_type, format=name)


def _text(content: Any, where: str) -> tuple[str, list[MediaPart]]:
    if content is None or isinstance(content, str):
        return content or "", []
    texts: list[str] = []
    media: list[MediaPart] = []
    for i, part in enumerate(content):
        kind, at = part.get("type"), f"{where}[{i}]"
        if kind == "text":
            texts.append(part["text"])
        elif kind == "image_url":
            image = part["image_url"]
            url, detail = (image["url"], image.get("detail")) if isinstance(image, dict) else (image, None)
            media.append(url_part("image", at, url, detail=detail))
        elif kind == "input_audio":
            media.append(audio_part(part["input_audio"], at))
        elif kind == "video_url":
            media.append(url_part("video", at, part["video_url"]["url"]))
        elif kind == "file":
            media.append(_file(part["file"], at))
    return "\n".join(texts), media


def _strip_thinking(text: str) -> str:
    if not text.startswith(THINKING_HEADER):
        return text
    _, sep, answer = text.partition("\n\n")
    return answer if sep else ""


def _messages(raw: list[dict[str, Any]]) -> list[Message]:
    out: list[Message] = []
    for n, m in enumerate(raw):
        role = m["role"]
        text, media = _text(m.get("content"), f"messages[{n}].content")
        if media and role != "user":
            refuse_media(media[0].where, f"a {role} message")
        if role in ("system", "developer"):
            out.append(Message("system", text))
        elif role == "user":
            out.append(Message("user", text, media=media, name=m.get("name")))
        elif role == "assistant":
            calls = [ToolCall(c["id"], c["function"]["name"], c["function"].get("arguments") or "")
                     for c in m.get("tool_calls") or ()]
            out.append(Message("assistant", _strip_thinking(text), tool_calls=calls,
                               reasoning=m.get("reasoning_content") or None))
        else:
            out.append(Message("tool", text, tool_call_id=m["tool_call_id"]))
    return out


def _tool_choice(body: dict[str, Any], tools: list[Tool]) -> ToolChoice | None:
    choice = body.get("tool_choice")
    if choice is None or (not tools and choice in FREE_CHOICES):
        return None
    if not tools:
        raise InvalidRequest("'tool_choice' needs 'tools'.", param="tool_choice")
    if isinstance(choice, str):
        return ToolChoice(choice)  # type: ignore[arg-type]
    name = (choice.get("function") or {}).get("name") if isinstance(choice, dict) else None
    if not name:
        raise InvalidRequest("'tool_choice' must be none, auto, required or a named function.", param="tool_choice")
    if name not in {t.name for t in tools}:
        raise InvalidRequest(f"'tool_choice' names '{name}', which is not in 'tools'.", param="tool_choice")
    return ToolChoice("named", name)


def _reasoning(body: dict[str, Any]) -> ReasoningOptions:
    """The chat controls, and Anthropic's ``thinking`` for the models that list it (D-51)."""
    nested = body.get("reasoning") or {}
    effort = body.get("reasoning_effort") or nested.get("effort")
    thinking, thinking_budget = from_thinking(body.get("thinking"))
    enabled = body.get("enable_thinking", nested.get("enabled", thinking))
    if effort == "none":
        enabled = False
    exclude = bool(nested.get("exclude")) or body.get("include_reasoning") is False
    budget = body.get("thinking_budget") or nested.get("max_tokens") or thinking_budget
    return ReasoningOptions(enabled=enabled, effort=effort, budget_tokens=budget, exclude=exclude)


def decode_chat(raw: bytes, catalog: Catalog) -> ChatRequest:
    body = parse_json(raw)
    request_schema("ChatCompletionRequest").check(body)
    model = resolve_model(catalog.get, body["model"], ENDPOINT)
    free_choice = not body.get("tools") and body.get("tool_choice") in FREE_CHOICES
    check_parameters(model, body, skip=_OWN | {"tool_choice"} if free_choice else _OWN)
    stream = bool(body.get("stream"))
    wrong_options = body.get("stream_options") is not None and not stream
    if wrong_options:
        raise InvalidRequest("'stream_options' is only allowed when 'stream' is true.", param="stream_options")
    limit, alias = body.get("max_completion_tokens"), body.get("max_tokens")
    if limit is not None and alias is not None and limit != alias:
        raise InvalidRequest("'max_tokens' (deprecated) and 'max_completion_tokens' disagree.", param="max_tokens")
    for i, t in enumerate(body.get("tools") or ()):
        if t["function"].get("parameters") is not None:
            check_tool_schema(t["function"]["parameters"], f"tools[{i}].function.parameters")
    tools = [Tool(t["function"]["name"], t["function"].get("description") or "",
                  t["function"].get("parameters") or {"type": "object", "properties": {}})
             for t in body.get("tools") or ()]
    stop = body.get("stop")
    messages = _messages(body["messages"])
    check_media(model, messages)
    return ChatRequest(
        model=model,
        messages=messages,
        tools=tools,
        tool_choice=_tool_choice(body, tools),
        parallel_tool_calls=body.get("parallel_tool_calls"),
        max_output_tokens=limit if limit is not None else alias,
        temperature=body.get("temperature"),
        top_p=body.get("top_p"),
        stop=[stop] if isinstance(stop, str) else list(stop or ()),
        seed=body.get("seed"),
        stream=stream,
        include_usage=bool((body.get("stream_options") or {}).get("include_usage")),
        reasoning=_reasoning(body),
        raw=any(body.get(flag) is True for flag in RAW_FLAGS),
        passthrough={k: body[k] for k in _PASSTHROUGH if k in body},
        options=model.options(body),
    )
