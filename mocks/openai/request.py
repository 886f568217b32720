"""Chat Completions request validation for the OpenAI-compatible mocks, into a :class:`ChatRequest`.

Rejects what the real API rejects and a gateway might get wrong when translating: missing or empty
``messages``, unknown roles, malformed content parts, tool messages without a preceding ``tool_calls``
(and unanswered ``tool_calls``), ``stream_options`` without ``stream``, ``tool_choice`` without ``tools``
or naming an undefined function, bad ``max_tokens``/``stop``/``temperature``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from mocks.media import check_base64, check_url
from mocks.provider import ApiError
from mocks.text import count_tokens
from mocks.tools import Mode

__all__ = ["ChatRequest", "Tool", "content_text", "media_parts", "message_tokens", "parse_chat"]

ROLES = ("system", "developer", "user", "assistant", "tool", "function")
PART_TYPES = ("text", "image_url", "input_audio", "video_url", "file", "refusal")
AUDIO_FORMATS = {"wav": "audio/wav", "mp3": "audio/mpeg"}
TOOL_NAME_RE = re.compile(r"^[a-zA-Z0-9_-]{1,64}$")
TOKENS_PER_MESSAGE = 3


@dataclass(frozen=True)
class Tool:
    name: str
    parameters: dict[str, Any]


@dataclass
class ChatRequest:
    """The parts of a chat request the mocks act on."""

    model: str
    messages: list[dict[str, Any]]
    stream: bool = False
    include_usage: bool = False
    limit: int | None = None
    stops: list[str] = field(default_factory=list)
    tools: list[Tool] = field(default_factory=list)
    mode: Mode = "auto"
    named: str | None = None
    parallel_allowed: bool = True
    user_text: str = ""
    tool_results: list[str] = field(default_factory=list)
    prompt_tokens: int = 0
    media: list[dict[str, Any]] = field(default_factory=list)
    """One acknowledgement per media part received (:mod:`mocks.media`)."""

    @property
    def ends_with_tool_results(self) -> bool:
        return bool(self.messages) and self.messages[-1].get("role") in ("tool", "function")


def _bad(message: str, param: str | None, code: str | None = "invalid_value") -> ApiError:
    return ApiError(400, message, type="invalid_request_error", param=param, code=code)


def content_text(content: Any, where: str, *, required: bool) -> str:
    """The text of a message ``content`` (string or parts), validating it."""
    if content is None:
        if required:
            raise _bad(f"Missing required parameter: '{where}'.", where, "missing_required_parameter")
        return ""
    if isinstance(content, str):
        return content
    if not isinstance(content, list):
        raise _bad(f"Invalid type for '{where}': expected a string or an array of content parts.", where,
                   "invalid_type")
    texts = []
    for i, part in enumerate(content):
        at = f"{where}[{i}]"
        if not isinstance(part, dict) or part.get("type") not in PART_TYPES:
            raise _bad(f"Invalid value for '{at}.type': expected one of {', '.join(PART_TYPES)}.", f"{at}.type")
        if part["type"] in ("text", "refusal"):
            key = part["type"]
            if not isinstance(part.get(key), str):
                raise _bad(f"Missing required parameter: '{at}.{key}'.", f"{at}.{key}", "missing_required_parameter")
            texts.append(part[key])
        elif part["type"] == "image_url" and not isinstance((part.get("image_url") or {}).get("url"), str):
            raise _bad(f"Missing required parameter: '{at}.image_url.url'.", f"{at}.image_url.url",
                       "missing_required_parameter")
    return " ".join(texts)


def _media_bad(message: str, where: str) -> ApiError:
    return _bad(message, where)


def _audio(audio: Any, at: str) -> dict[str, Any]:
    if not isinstance(audio, dict):
        raise _bad(f"Missing required parameter: '{at}.input_audio'.", f"{at}.input_audio", "missing_required_parameter")
    media_type = AUDIO_FORMATS.get(audio.get("format"))  # type: ignore[arg-type]
    if media_type is None:
        raise _bad(f"Invalid value for '{at}.input_audio.format': expected one of wav, mp3.", f"{at}.input_audio.format")
    data = audio.get("data")
    if isinstance(data, str) and data[:5].lower() in ("http:", "https", "data:"):
        return check_url("audio", data, at, _media_bad)
    return check_base64("audio", data, media_type, at, _media_bad)


def _file(file: Any, at: str) -> dict[str, Any]:
    if not isinstance(file, dict) or not (file.get("file_data") or file.get("file_id")):
        raise _bad(f"Invalid '{at}.file': expected file_data or file_id.", f"{at}.file")
    if file.get("file_data") is None:
        return {"kind": "file", "source": "file_id", "media_type": None, "where": at}
    data = file["file_data"]
    if not isinstance(data, str) or data[:5].lower() != "data:":
        raise _bad(f"Invalid '{at}.file.file_data': expected a base64-encoded data URL.", f"{at}.file.file_data")
    return check_url("file", data, at, _media_bad)


def media_parts(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Every media part of the user turns, validated, as the acknowledgements the mock logs."""
    found: list[dict[str, Any]] = []
    for i, message in enumerate(messages):
        content = message.get("content")
        if message.get("role") != "user" or not isinstance(content, list):
            continue
        for j, part in enumerate(content):
            at, kind = f"messages[{i}].content[{j}]", part.get("type")
            if kind == "image_url":
                found.append(check_url("image", (part.get("image_url") or {}).get("url"), at, _media_bad))
            elif kind == "video_url":
                found.append(check_url("video", (part.get("video_url") or {}).get("url"), at, _media_bad))
            elif kind == "input_audio":
                found.append(_audio(part.get("input_audio"), at))
            elif kind == "file":
                found.append(_file(part.get("file"), at))
    return found


def _tool_calls(message: dict[str, Any], where: str) -> list[dict[str, Any]]:
    calls = message.get("tool_calls")
    if calls is None:
        return []
    if not isinstance(calls, list):
        raise _bad(f"Invalid type for '{where}.tool_calls': expected an array.", f"{where}.tool_calls", "invalid_type")
    for i, call in enumerate(calls):
        at = f"{where}.tool_calls[{i}]"
        fn = call.get("function") if isinstance(call, dict) else None
        if not isinstance(call, dict) or not isinstance(call.get("id"), str) or not isinstance(fn, dict) \
                or not isinstance(fn.get("name"), str) or not isinstance(fn.get("arguments"), str):
            raise _bad(f"Invalid '{at}': expected {{id, type: 'function', function: {{name, arguments}}}}.", at)
    return calls


def message_tokens(message: dict[str, Any]) -> int:
    """A validated message's prompt tokens: its text, its tool calls' names and arguments, plus 3."""
    text = content_text(message.get("content"), "content", required=False)
    calls = message.get("tool_calls") or []
    extra = " ".join(f"{c['function']['name']} {c['function']['arguments']}" for c in calls)
    return count_tokens(f"{text} {extra}") + TOKENS_PER_MESSAGE


def _messages(body: dict[str, Any]) -> tuple[list[dict[str, Any]], int]:
    messages = body.get("messages")
    if messages is None:
        raise _bad("Missing required parameter: 'messages'.", "messages", "missing_required_parameter")
    if not isinstance(messages, list):
        raise _bad("Invalid type for 'messages': expected an array of objects.", "messages", "invalid_type")
    if not messages:
        raise _bad("Invalid 'messages': empty array. Expected an array with minimum length 1.", "messages",
                   "empty_array")
    tokens, open_calls = 0, set[str]()
    for i, message in enumerate(messages):
        where = f"messages[{i}]"
        if not isinstance(message, dict):
            raise _bad(f"Invalid type for '{where}': expected an object.", where, "invalid_type")
        role = message.get("role")
        if role is None:
            raise _bad(f"Missing required parameter: '{where}.role'.", f"{where}.role", "missing_required_parameter")
        if role not in ROLES:
            raise _bad(f"Invalid value: '{role}'. Supported values are: {', '.join(ROLES)}.", f"{where}.role")
        if open_calls and role != "tool":
            raise _bad("An assistant message with 'tool_calls' must be followed by tool messages responding to "
                       f"each 'tool_call_id'. The following tool_call_ids did not have response messages: "
                       f"{', '.join(sorted(open_calls))}", f"messages.[{i}].role")
        calls = _tool_calls(message, where) if role == "assistant" else []
        content_text(message.get("content"), f"{where}.content", required=role != "assistant" or not calls)
        if role == "tool":
            call_id = message.get("tool_call_id")
            if not isinstance(call_id, str):
                raise _bad(f"Missing required parameter: '{where}.tool_call_id'.", f"{where}.tool_call_id",
                           "missing_required_parameter")
            if call_id not in open_calls:
                raise _bad("Invalid parameter: messages with role 'tool' must be a response to a preceeding "
                           "message with 'tool_calls'.", f"messages.[{i}].role", None)
            open_calls.discard(call_id)
        open_calls |= {c["id"] for c in calls}
        tokens += message_tokens(message)
    if open_calls:
        raise _bad("An assistant message with 'tool_calls' must be followed by tool messages responding to each "
                   f"'tool_call_id'. The following tool_call_ids did not have response messages: "
                   f"{', '.join(sorted(open_calls))}", f"messages.[{len(messages) - 1}].role")
    return messages, tokens


def _tools(body: dict[str, Any]) -> list[Tool]:
    raw = body.get("tools")
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise _bad("Invalid type for 'tools': expected an array.", "tools", "invalid_type")
    tools = []
    for i, tool in enumerate(raw):
        if isinstance(tool, dict) and tool.get("type") == "custom":
            continue
        fn = tool.get("function") if isinstance(tool, dict) else None
        if not isinstance(tool, dict) or tool.get("type") != "function" or not isinstance(fn, dict):
            raise _bad(f"Invalid 'tools[{i}]': expected {{type: 'function', function: {{...}}}}.", f"tools[{i}]")
        name = fn.get("name")
        if not isinstance(name, str) or not TOOL_NAME_RE.match(name):
            raise _bad(f"Invalid 'tools[{i}].function.name': must match ^[a-zA-Z0-9_-]{{1,64}}$.",
                       f"tools[{i}].function.name")
        parameters = fn.get("parameters", {})
        if not isinstance(parameters, dict):
            raise _bad(f"Invalid type for 'tools[{i}].function.parameters': expected an object.",
                       f"tools[{i}].function.parameters", "invalid_type")
        tools.append(Tool(name, parameters))
    return tools


def _tool_choice(body: dict[str, Any], tools: list[Tool]) -> tuple[Mode, str | None, list[Tool]]:
    choice = body.get("tool_choice")
    if choice is None:
        return "auto", None, tools
    if "tools" not in body or not body["tools"]:
        raise _bad("Invalid value for 'tool_choice': 'tool_choice' is only allowed when 'tools' are specified.",
                   "tool_choice")
    if choice in ("auto", "required", "none"):
        return choice, None, tools
    if isinstance(choice, dict) and choice.get("type") == "function":
        name = (choice.get("function") or {}).get("name")
        if not any(t.name == name for t in tools):
            raise _bad(f"Invalid value for 'tool_choice': no function named '{name}' was specified in the "
                       "'tools' parameter.", "tool_choice")
        return "named", name, tools
    if isinstance(choice, dict) and choice.get("type") == "allowed_tools":
        allowed = choice.get("allowed_tools") or {}
        names = {(t.get("function") or {}).get("name") for t in allowed.get("tools", []) if isinstance(t, dict)}
        if allowed.get("mode") in ("auto", "required") and names:
            return allowed["mode"], None, [t for t in tools if t.name in names]
    raise _bad("Invalid value for 'tool_choice': expected 'none', 'auto', 'required' or "
               "{type: 'function', function: {name}}.", "tool_choice")


def _limit(body: dict[str, Any]) -> int | None:
    for key in ("max_completion_tokens", "max_tokens"):
        value = body.get(key)
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise _bad(f"Invalid '{key}': expected an integer of at least 1, got {value!r}.", key)
        return value
    return None


def _stops(body: dict[str, Any]) -> list[str]:
    stop = body.get("stop")
    if stop is None:
        return []
    if isinstance(stop, str):
        return [stop]
    if isinstance(stop, list) and len(stop) <= 4 and all(isinstance(s, str) for s in stop):
        return list(stop)
    raise _bad("Invalid 'stop': expected a string or an array of at most 4 strings.", "stop")


def _sampling(body: dict[str, Any]) -> None:
    for key, high in (("temperature", 2), ("top_p", 1)):
        value = body.get(key)
        if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float))
                                  or not 0 <= value <= high):
            raise _bad(f"Invalid '{key}': expected a number between 0 and {high}, got {value!r}.", key)


def parse_chat(body: dict[str, Any]) -> ChatRequest:
    """Validate ``body`` as a chat completion request; raises :class:`ApiError` (400)."""
    model = body.get("model")
    if not isinstance(model, str) or not model:
        raise _bad("You must provide a model parameter.", "model", None)
    messages, tokens = _messages(body)
    stream = body.get("stream", False)
    if stream is not None and not isinstance(stream, bool):
        raise _bad("Invalid type for 'stream': expected a boolean.", "stream", "invalid_type")
    options = body.get("stream_options")
    if options is not None and not stream:
        raise _bad("The 'stream_options' parameter is only allowed when 'stream' is enabled.", "stream_options")
    if options is not None and not isinstance(options, dict):
        raise _bad("Invalid type for 'stream_options': expected an object.", "stream_options", "invalid_type")
    _sampling(body)
    tools = _tools(body)
    mode, named, callable_tools = _tool_choice(body, tools)
    users = [m for m in messages if m.get("role") == "user"]
    trailing: list[str] = []
    for message in reversed(messages):
        if message.get("role") not in ("tool", "function"):
            break
        trailing.insert(0, content_text(message.get("content"), "content", required=False))
    return ChatRequest(
        model=model, messages=messages, stream=bool(stream),
        include_usage=bool((options or {}).get("include_usage")),
        limit=_limit(body), stops=_stops(body), tools=callable_tools, mode=mode, named=named,
        parallel_allowed=body.get("parallel_tool_calls") is not False,
        user_text=content_text(users[-1].get("content"), "content", required=False) if users else "",
        tool_results=trailing,
        prompt_tokens=tokens + sum(count_tokens(t.name) for t in tools),
        media=media_parts(messages),
    )
