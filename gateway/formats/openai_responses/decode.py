"""``POST /v1/responses`` body → :class:`ResponsesRequest` (a :class:`gateway.ir.ChatRequest`), or a 4xx.

``input`` items become IR messages: ``function_call`` items an assistant turn's ``tool_calls`` (consecutive
ones, and ones right after an assistant message, share one turn), ``function_call_output`` items ``tool``
turns; a ``reasoning`` item's text becomes the reasoning of the assistant turn after it (D-8). ``instructions`` is a leading system turn. The request's own items
are kept, with ids, in :attr:`ResponsesRequest.items` (D-18): ``previous_response_id`` and
``item_reference`` items are resolved against the store afterwards (:mod:`.conversation`), which rebuilds
the messages. What the Response object echoes back (tools as sent, ``tool_choice``, ``metadata``…) is kept in
:attr:`ResponsesRequest.echo`; it never goes upstream.
"""

from __future__ import annotations

import mimetypes
from dataclasses import dataclass, field
from typing import Any

from gateway.catalog import Catalog, CatalogModel
from gateway.errors import InvalidRequest
from gateway.formats.json_body import parse_json
from gateway.formats.openai_chat.decode import FREE_CHOICES, RAW_FLAGS, audio_part
from gateway.formats.openai_responses.ids import new_id
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
from gateway.ir.media import inline_part, refuse_media, url_part
from gateway.ir.reasoning import unseal_signature
from gateway.schemas import check_tool_schema, request_schema

__all__ = ["ENDPOINT", "ResponsesRequest", "decode_responses", "input_items", "messages_of"]

ENDPOINT = "/v1/responses"
_OWN = frozenset({"model", "input", "stream", "max_output_tokens"})
_PASSTHROUGH = ("presence_penalty", "frequency_penalty")
SUMMARIES = ("auto", "concise", "detailed")
"""``reasoning.summary`` values that ask for the reasoning as ``summary_text`` (D-41)."""
_SAMPLING_DEFAULTS = {"temperature": 1.0, "top_p": 1.0, "presence_penalty": 0.0, "frequency_penalty": 0.0}
"""What an upstream uses when neither the request nor the model's ``default_params`` set it (OpenAI's defaults)."""
_LIMIT = "max_completion_tokens"
"""The catalog's name for the output limit; ``max_output_tokens`` is checked against its declared range."""


@dataclass(slots=True)
class ResponsesRequest(ChatRequest):
    """A chat request that also remembers what the Response object echoes back and what may be stored."""

    echo: dict[str, Any] = field(default_factory=dict)
    instructions: str | None = None
    items: list[dict[str, Any]] = field(default_factory=list)
    """The request's own input items, each with an id (``item_reference`` items as sent, until resolved)."""
    context: list[dict[str, Any]] = field(default_factory=list)
    """The stored conversation the request continues (``previous_response_id``), before :attr:`items`."""
    previous_response_id: str | None = None
    store: bool = True
    encrypted: bool = False
    """Whether reasoning items carry ``encrypted_content`` (``include: ["reasoning.encrypted_content"]``, D-65)."""


def _media(part: dict[str, Any], where: str) -> MediaPart | None:
    """An ``input_image`` / ``input_audio`` / ``input_file`` part (``None`` for any other part)."""
    kind, file_id = part.get("type"), part.get("file_id")
    if kind == "input_image":
        if part.get("image_url") is None and file_id:
            return MediaPart("image", "file_id", file_id, where)
        return url_part("image", where, str(part.get("image_url") or ""), detail=part.get("detail"))
    if kind == "input_audio":
        return audio_part(part["input_audio"], where)
    if kind != "input_file":
        return None
    name = part.get("filename")
    if part.get("file_url"):
        return url_part("file", where, part["file_url"], filename=name)
    if file_id and not part.get("file_data"):
        return MediaPart("file", "file_id", file_id, where, filename=name)
    data = str(part.get("file_data") or "")
    if data.lstrip()[:5].lower() == "data:":
        return url_part("file", where, data, filename=name)
    return inline_part("file", where, data, mimetypes.guess_type(name or "")[0], filename=name)


def _parts(content: Any, where: str = "") -> tuple[str, list[MediaPart]]:
    """The text and media parts of a string or a list of input content parts."""
    if content is None or isinstance(content, str):
        return content or "", []
    texts: list[str] = []
    media: list[MediaPart] = []
    for i, part in enumerate(content):
        if part.get("type") in ("input_text", "output_text"):
            texts.append(part["text"])
        elif (found := _media(part, f"{where}[{i}]")) is not None:
            media.append(found)
    return "\n".join(texts), media


def _thought(item: dict[str, Any]) -> str | None:
    """A reasoning item's readable text: its ``reasoning_text`` content, else its summary (D-8)."""
    for key in ("content", "summary"):
        texts = [p.get("text") for p in item.get(key) or () if isinstance(p, dict) and isinstance(p.get("text"), str)]
        if any(texts):
            return "\n".join(t for t in texts if t)
    return None


def _joined(first: str | None, second: str | None) -> str | None:
    return "\n".join(t for t in (first, second) if t) or None


def messages_of(instructions: str | None, items: list[dict[str, Any]]) -> list[Message]:
    """The IR messages of ``instructions`` and input ``items`` (``item_reference`` items must be resolved)."""
    out: list[Message] = []
    if instructions:
        out.append(Message("system", instructions))
    thought: str | None = None
    signed: list[tuple[str, str]] = []
    for n, item in enumerate(items):
        kind = item.get("type", "message")
        if kind == "reasoning":
            text = _thought(item)
            thought = _joined(thought, text)
            if (signature := unseal_signature(item.get("encrypted_content"))) is not None and text:
                signed.append((text, signature))
            continue
        if kind == "item_reference":
            continue
        if kind == "function_call":
            call = ToolCall(item["call_id"], item["name"], item.get("arguments") or "")
            last = out[-1] if out else None
            if last is not None and last.role == "assistant":
                last.tool_calls.append(call)
                last.reasoning = _joined(last.reasoning, thought)
                last.signed_thinking += signed
            else:
                out.append(Message("assistant", "", tool_calls=[call], reasoning=thought, signed_thinking=signed))
            thought, signed = None, []
        elif kind == "function_call_output":
            text, media = _parts(item.get("output"), f"input[{n}].output")
            if media:
                refuse_media(media[0].where, "a function_call_output")
            out.append(Message("tool", text, tool_call_id=item["call_id"]))
        else:
            role = item["role"]
            text, media = _parts(item.get("content"), f"input[{n}].content")
            if media and role != "user":
                refuse_media(media[0].where, f"a {role} message")
            if role in ("system", "developer"):
                out.append(Message("system", text))
            elif role == "user":
                out.append(Message("user", text, media=media))
            else:
                out.append(Message("assistant", text, reasoning=thought, signed_thinking=signed))
                thought, signed = None, []
    return out


_ITEM_PREFIX = {"message": "msg", "function_call": "fc", "function_call_output": "fco", "reasoning": "rs"}


def _item(item: dict[str, Any]) -> dict[str, Any]:
    """One input item as stored and listed: typed, with an id; a message's string content as one part."""
    kind = item.get("type", "message")
    if kind == "item_reference":
        return dict(item)
    out = {**item, "type": kind, "id": item.get("id") or new_id(_ITEM_PREFIX[kind])}
    if kind == "message":
        content = item.get("content")
        if isinstance(content, str):
            part = "output_text" if item.get("role") == "assistant" else "input_text"
            out["content"] = [{"type": part, "text": content, **({"annotations": []} if part == "output_text" else {})}]
        out.setdefault("status", "completed")
    return out


def input_items(body_input: str | list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The request's ``input`` as items (a string is one user message)."""
    if isinstance(body_input, str):
        return [_item({"role": "user", "content": body_input})]
    return [_item(item) for item in body_input]


def _tools(body: dict[str, Any]) -> tuple[list[Tool], list[dict[str, Any]]]:
    """The IR tools, and the tools as the Response object echoes them."""
    tools, echoed = [], []
    for i, t in enumerate(body.get("tools") or ()):
        parameters = t.get("parameters")
        if parameters is not None:
            check_tool_schema(parameters, f"tools[{i}].parameters")
        tools.append(Tool(t["name"], t.get("description") or "", parameters or {"type": "object", "properties": {}}))
        echoed.append({"type": "function", "name": t["name"], "description": t.get("description"),
                       "parameters": parameters, "strict": t.get("strict")})
    return tools, echoed


def _tool_choice(body: dict[str, Any], tools: list[Tool]) -> ToolChoice | None:
    choice = body.get("tool_choice")
    if choice is None or (not tools and choice in FREE_CHOICES):
        return None
    if not tools:
        raise InvalidRequest("'tool_choice' needs 'tools'.", param="tool_choice")
    if isinstance(choice, str):
        return ToolChoice(choice)  # type: ignore[arg-type]
    name = choice["name"]
    if name not in {t.name for t in tools}:
        raise InvalidRequest(f"'tool_choice' names '{name}', which is not in 'tools'.", param="tool_choice")
    return ToolChoice("named", name)


def _reasoning(body: dict[str, Any]) -> ReasoningOptions:
    nested = body.get("reasoning") or {}
    effort = body.get("reasoning_effort") or nested.get("effort")
    enabled = body.get("enable_thinking", nested.get("enabled"))
    if effort == "none":
        enabled = False
    exclude = bool(nested.get("exclude")) or body.get("include_reasoning") is False
    budget = body.get("thinking_budget") or nested.get("max_tokens")
    return ReasoningOptions(enabled=enabled, effort=effort, budget_tokens=budget, exclude=exclude)


def _response_format(body: dict[str, Any]) -> dict[str, Any] | None:
    """``text.format`` in the Chat Completions shape the OpenAI-compatible upstreams speak (``None`` for text)."""
    fmt = (body.get("text") or {}).get("format")
    if not isinstance(fmt, dict) or fmt.get("type") not in ("json_object", "json_schema"):
        return None
    if fmt["type"] == "json_object":
        return {"type": "json_object"}
    schema = {k: fmt[k] for k in ("name", "schema", "description", "strict") if k in fmt}
    return {"type": "json_schema", "json_schema": schema}


def _check_parameters(body: dict[str, Any], model: CatalogModel, response_format: dict[str, Any] | None) -> None:
    """The catalog checks, with ``max_output_tokens`` held to the model's output-limit range."""
    checked = {k: v for k, v in body.items() if k != "max_output_tokens"}
    if not body.get("tools") and body.get("tool_choice") in FREE_CHOICES:
        del checked["tool_choice"]
    reasoning = {k: v for k, v in (body.get("reasoning") or {}).items() if k != "summary"}
    checked["reasoning"] = reasoning or None
    if body.get("max_output_tokens") is not None:
        checked[_LIMIT] = body["max_output_tokens"]
    if response_format is not None:
        checked["response_format"] = response_format
    try:
        check_parameters(model, checked, skip=_OWN)
    except InvalidRequest as exc:
        if exc.param != _LIMIT or _LIMIT in body:
            raise
        raise InvalidRequest(exc.message.replace(f"'{_LIMIT}'", "'max_output_tokens'"), code=exc.code,
                             param="max_output_tokens") from None


def _used(body: dict[str, Any], model: CatalogModel, name: str) -> float:
    """A sampling setting as sent, else OpenAI's default; the model's own defaults (D-61) are filled in
    after decoding and the encoder echoes them."""
    value = body.get(name)
    return float(_SAMPLING_DEFAULTS[name] if value is None else value)


def _echo(body: dict[str, Any], model: CatalogModel, tools: list[dict[str, Any]]) -> dict[str, Any]:
    """Every setting field of the Response object, with the value used (D-40)."""
    nested = body.get("reasoning") or {}
    parallel = body.get("parallel_tool_calls")
    return {
        "instructions": body.get("instructions"),
        "tools": tools,
        "tool_choice": body.get("tool_choice") if body.get("tool_choice") is not None else "auto",
        "parallel_tool_calls": parallel if parallel is not None else True,
        "temperature": _used(body, model, "temperature"),
        "top_p": _used(body, model, "top_p"),
        "presence_penalty": _used(body, model, "presence_penalty"),
        "frequency_penalty": _used(body, model, "frequency_penalty"),
        "top_logprobs": 0,
        "max_output_tokens": body.get("max_output_tokens"),
        "max_tool_calls": body.get("max_tool_calls"),
        "metadata": body.get("metadata") or {},
        "previous_response_id": body.get("previous_response_id"),
        "reasoning": {"effort": body.get("reasoning_effort") or nested.get("effort"), "summary": nested.get("summary")},
        "text": body.get("text") or {"format": {"type": "text"}},
        "truncation": "disabled",
        "store": body.get("store") is not False,
        "background": False,
        "service_tier": "default",
        "user": body.get("user"),
        "prompt_cache_key": body.get("prompt_cache_key"),
        "safety_identifier": body.get("safety_identifier"),
    }


def decode_responses(raw: bytes, catalog: Catalog) -> ResponsesRequest:
    body = parse_json(raw)
    request_schema("ResponseCreateRequest").check(body)
    model = resolve_model(catalog.get, body["model"], ENDPOINT)
    if body.get("background") is True:
        raise InvalidRequest("'background' is not supported: responses run in the foreground and cannot be polled.",
                             code="unsupported_parameter", param="background")
    if body.get("conversation") is not None:
        raise InvalidRequest("'conversation' is not supported: continue a stored response with "
                             "'previous_response_id'.", code="unsupported_parameter", param="conversation")
    response_format = _response_format(body)
    _check_parameters(body, model, response_format)
    tools, echoed_tools = _tools(body)
    tool_choice = _tool_choice(body, tools)
    parallel = body.get("parallel_tool_calls")
    items = input_items(body["input"])
    messages = messages_of(body.get("instructions"), items)
    check_media(model, messages)
    return ResponsesRequest(
        model=model,
        messages=messages,
        tools=tools,
        tool_choice=tool_choice,
        parallel_tool_calls=parallel,
        max_output_tokens=body.get("max_output_tokens"),
        temperature=body.get("temperature"),
        top_p=body.get("top_p"),
        stream=bool(body.get("stream")),
        include_usage=True,
        reasoning=_reasoning(body),
        raw=any(body.get(flag) is True for flag in RAW_FLAGS),
        passthrough={**{k: body[k] for k in _PASSTHROUGH if body.get(k) is not None},
                     **({"response_format": response_format} if response_format is not None else {})},
        options=model.options(body),
        echo=_echo(body, model, echoed_tools),
        instructions=body.get("instructions"),
        items=items,
        previous_response_id=body.get("previous_response_id"),
        store=body.get("store") is not False,
        encrypted="reasoning.encrypted_content" in (body.get("include") or ()),
    )

