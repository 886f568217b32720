"""Anthropic Messages request validation, into a :class:`MessagesRequest`.

Besides field checks it enforces the tool pairing rules a format translator most often breaks: every
``tool_use`` must be answered by a ``tool_result`` in the very next (user) message, and every
``tool_result`` must answer a ``tool_use`` of the message right before it. A ``thinking`` block sent back
must carry the signature this upstream gave it, and ``redacted_thinking`` data is never this mock's (it
writes none): both are a 400 otherwise, as the real API refuses thinking it did not sign. With thinking on,
the assistant turn that the final tool results answer must start with its thinking block (a 400 otherwise,
as the real API requires during tool use).
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from dataclasses import dataclass, field
from typing import Any, Literal

from mocks.media import check_base64, check_url
from mocks.provider import ApiError
from mocks.text import count_tokens
from mocks.tools import Mode

__all__ = ["MessagesRequest", "Tool", "parse_messages", "signature"]

TOOL_NAME_RE = re.compile(r"^[a-zA-Z0-9_-]{1,128}$")
TOKENS_PER_MESSAGE = 3
USER_BLOCKS = {"text", "image", "document", "tool_result", "search_result"}
ASSISTANT_BLOCKS = {"text", "tool_use", "thinking", "redacted_thinking"}
CHOICES: dict[str, Mode] = {"auto": "auto", "any": "required", "tool": "named", "none": "none"}


@dataclass(frozen=True)
class Tool:
    name: str
    input_schema: dict[str, Any]


@dataclass
class MessagesRequest:
    """The parts of a Messages request the mock acts on."""

    model: str
    messages: list[dict[str, Any]]
    max_tokens: int
    stream: bool = False
    stops: list[str] = field(default_factory=list)
    tools: list[Tool] = field(default_factory=list)
    mode: Mode = "auto"
    named: str | None = None
    parallel_allowed: bool = True
    thinking: bool = False
    thinking_budget: int | None = None
    user_text: str = ""
    tool_results: list[str] = field(default_factory=list)
    ends_with_tool_results: bool = False
    prompt_tokens: int = 0
    cache_prefix_tokens: int = 0
    media: list[dict[str, Any]] = field(default_factory=list)
    """One acknowledgement per image or document block received (:mod:`mocks.media`)."""


def signature(thinking: str) -> str:
    """The signature this mock gives a ``thinking`` block (and checks when the block comes back)."""
    return base64.b64encode(hashlib.sha256(f"mock-signature:{thinking}".encode()).digest() * 2).decode()


def _bad(message: str) -> ApiError:
    return ApiError(400, message, type="invalid_request_error")


def _blocks(content: Any) -> list[dict[str, Any]]:
    return [{"type": "text", "text": content}] if isinstance(content, str) else content


def result_text(block: dict[str, Any]) -> str:
    content = block.get("content", "")
    if isinstance(content, list):
        content = " ".join(b.get("text", "") for b in content if isinstance(b, dict) and b.get("type") == "text")
    text = content if isinstance(content, str) else ""
    return f"error: {text}" if block.get("is_error") else text


def _block_text(block: dict[str, Any]) -> str:
    kind = block.get("type")
    if kind == "text":
        return str(block.get("text", ""))
    if kind == "tool_use":
        return f"{block.get('name', '')} {json.dumps(block.get('input', {}))}"
    if kind == "tool_result":
        return result_text(block)
    if kind == "thinking":
        return str(block.get("thinking", ""))
    return ""


def _check_block(block: Any, where: str, role: str) -> None:
    allowed = USER_BLOCKS if role == "user" else ASSISTANT_BLOCKS
    if not isinstance(block, dict) or block.get("type") not in allowed:
        kind = block.get("type") if isinstance(block, dict) else type(block).__name__
        raise _bad(f"{where}.type: Input tag '{kind}' is not a valid content block for a {role} message.")
    kind = block["type"]
    if kind == "text" and not (isinstance(block.get("text"), str) and block["text"]):
        raise _bad(f"{where}: text content blocks must be non-empty")
    if kind in ("image", "document") and not isinstance(block.get("source"), dict):
        raise _bad(f"{where}.source: Field required")
    if kind == "tool_use" and not (isinstance(block.get("id"), str) and isinstance(block.get("name"), str)
                                   and isinstance(block.get("input"), dict)):
        raise _bad(f"{where}: tool_use blocks need id, name and an input object")
    if kind == "tool_result" and not isinstance(block.get("tool_use_id"), str):
        raise _bad(f"{where}.tool_use_id: Field required")
    if kind == "tool_result" and not isinstance(block.get("is_error", False), bool):
        raise _bad(f"{where}.is_error: Input should be a valid boolean")
    if kind == "thinking" and block.get("signature") != signature(str(block.get("thinking", ""))):
        raise _bad(f"{where}: Invalid `signature` in `thinking` block")
    if kind == "redacted_thinking":
        raise _bad(f"{where}: Invalid `data` in `redacted_thinking` block")


IMAGE_TYPES = ("image/jpeg", "image/png", "image/gif", "image/webp")


def _media_bad(message: str, where: str) -> ApiError:
    return _bad(message)


def _media(block: dict[str, Any], where: str) -> dict[str, Any]:
    """An ``image`` or ``document`` block's source, checked as Anthropic does."""
    kind = "image" if block["type"] == "image" else "file"
    source = block["source"]
    form = source.get("type")
    if form == "base64":
        allowed = IMAGE_TYPES if kind == "image" else ("application/pdf",)
        if source.get("media_type") not in allowed:
            raise _bad(f"{where}.source.base64.media_type: Input should be {' or '.join(map(repr, allowed))}")
        return check_base64(kind, source.get("data"), source["media_type"], where, _media_bad)
    if form == "url":
        url = source.get("url")
        if not isinstance(url, str) or not url.lower().startswith(("https://", "http://")):
            raise _bad(f"{where}.source.url.url: Only HTTP(S) URLs are supported")
        return check_url(kind, url, where, _media_bad)
    if kind == "file" and form == "text" and isinstance(source.get("data"), str):
        if source.get("media_type") != "text/plain":
            raise _bad(f"{where}.source.text.media_type: Input should be 'text/plain'")
        return {"kind": kind, "source": "data", "media_type": "text/plain", "where": where}
    raise _bad(f"{where}.source: Input tag '{form}' does not match any of the expected source types")


def media_blocks(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Every image and document block of the user turns, validated, as the acknowledgements logged."""
    return [_media(b, f"messages[{i}].content[{j}]") for i, m in enumerate(messages) if m["role"] == "user"
            for j, b in enumerate(_blocks(m["content"])) if b.get("type") in ("image", "document")]


def _messages(raw: Any) -> list[dict[str, Any]]:
    if not isinstance(raw, list):
        raise _bad("messages: Field required" if raw is None else "messages: Input should be a valid list")
    if not raw:
        raise _bad("messages: at least one message is required")
    pending: set[str] = set()
    for i, message in enumerate(raw):
        if not isinstance(message, dict):
            raise _bad(f"messages.{i}: Input should be a valid dictionary")
        role, content = message.get("role"), message.get("content")
        if role not in ("user", "assistant"):
            raise _bad(f"messages.{i}.role: Input should be 'user' or 'assistant'")
        if not isinstance(content, (str, list)):
            raise _bad(f"messages.{i}.content: Input should be a valid string or list of content blocks")
        if not content and not (role == "assistant" and i == len(raw) - 1):
            raise _bad(f"messages.{i}: all messages must have non-empty content except for the optional final "
                       "assistant message")
        blocks = _blocks(content)
        for j, block in enumerate(blocks if isinstance(content, list) else []):
            _check_block(block, f"messages.{i}.content.{j}", role)
        answered = {b["tool_use_id"]: j for j, b in enumerate(blocks) if b.get("type") == "tool_result"}
        for tool_use_id, j in answered.items():
            if tool_use_id not in pending:
                raise _bad(f"messages.{i}.content.{j}: unexpected `tool_use_id` found in `tool_result` blocks: "
                           f"{tool_use_id}. Each `tool_result` block must have a corresponding `tool_use` block "
                           "in the previous message.")
        if pending - answered.keys():
            raise _bad(f"messages.{i}: `tool_use` ids were found without `tool_result` blocks immediately after: "
                       f"{', '.join(sorted(pending - answered.keys()))}. Each `tool_use` block must have a "
                       "corresponding `tool_result` block in the next message.")
        pending = {b["id"] for b in blocks if b.get("type") == "tool_use"}
    return raw


def _system_text(system: Any) -> str | None:
    if system is None:
        return None
    if isinstance(system, str):
        return system
    if isinstance(system, list) and all(isinstance(b, dict) and b.get("type") == "text"
                                        and isinstance(b.get("text"), str) for b in system):
        return " ".join(b["text"] for b in system)
    raise _bad("system: Input should be a valid string or a list of text blocks")


def _tools(raw: Any) -> list[Tool]:
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise _bad("tools: Input should be a valid list")
    tools = []
    for i, tool in enumerate(raw):
        if isinstance(tool, dict) and tool.get("type") not in (None, "custom"):
            continue
        if not isinstance(tool, dict) or not isinstance(tool.get("name"), str) \
                or not TOOL_NAME_RE.match(tool["name"]):
            raise _bad(f"tools.{i}.custom.name: String should match pattern '^[a-zA-Z0-9_-]{{1,128}}$'")
        schema = tool.get("input_schema")
        if not isinstance(schema, dict) or schema.get("type") != "object":
            raise _bad(f"tools.{i}.custom.input_schema: Input schema must be an object with type 'object'")
        tools.append(Tool(tool["name"], schema))
    return tools


def _tool_choice(raw: Any, tools: list[Tool], has_tools: bool) -> tuple[Mode, str | None, bool]:
    if raw is None:
        return "auto", None, True
    if not isinstance(raw, dict) or raw.get("type") not in CHOICES:
        raise _bad("tool_choice: Input tag should be one of 'auto', 'any', 'tool', 'none'")
    if not has_tools:
        raise _bad("tool_choice: tool_choice may only be specified while providing tools.")
    name = raw.get("name")
    if raw["type"] == "tool" and not any(t.name == name for t in tools):
        raise _bad(f"tool_choice.tool.name: Tool '{name}' not found in the provided tools")
    return CHOICES[raw["type"]], name, not raw.get("disable_parallel_tool_use", False)


def _thinking(raw: Any, max_tokens: int) -> tuple[bool, int | None]:
    if raw is None:
        return False, None
    kind: Literal["enabled", "disabled", "adaptive"] | None = raw.get("type") if isinstance(raw, dict) else None
    if kind == "disabled":
        return False, None
    if kind == "adaptive":
        return True, None
    if kind != "enabled":
        raise _bad("thinking: Input tag should be one of 'enabled', 'disabled', 'adaptive'")
    budget = raw.get("budget_tokens")
    if isinstance(budget, bool) or not isinstance(budget, int) or budget < 1024:
        raise _bad("thinking.enabled.budget_tokens: Input should be greater than or equal to 1024")
    if max_tokens <= budget:
        raise _bad("`max_tokens` must be greater than `thinking.budget_tokens`.")
    return True, budget


def _tool_turn_starts_with_thinking(messages: list[dict[str, Any]]) -> None:
    """With thinking on, the assistant turn answered by the final tool results must start with its
    (signed) thinking block, as Anthropic requires during tool use."""
    last = messages[-1]
    if len(messages) < 2 or last["role"] != "user" \
            or not any(b.get("type") == "tool_result" for b in _blocks(last["content"])):
        return
    i = len(messages) - 2
    turn = _blocks(messages[i]["content"])
    if messages[i]["role"] == "assistant" and any(b.get("type") == "tool_use" for b in turn) \
            and turn[0].get("type") not in ("thinking", "redacted_thinking"):
        raise _bad(f"messages.{i}.content.0.type: Expected `thinking` or `redacted_thinking`, but found "
                   f"`{turn[0].get('type')}`. When `thinking` is enabled, a final `assistant` message must start "
                   "with a thinking block (preceding the lastmost set of `tool_use` and `tool_result` blocks).")


def _marked(item: Any) -> bool:
    if not isinstance(item, dict):
        return False
    blocks = item.get("content") if "role" in item else [item]
    return isinstance(blocks, list) and any(isinstance(b, dict) and "cache_control" in b for b in blocks)


def parse_messages(body: dict[str, Any]) -> MessagesRequest:
    """Validate ``body`` as a Messages request; raises :class:`ApiError` (400)."""
    model, max_tokens = body.get("model"), body.get("max_tokens")
    if not isinstance(model, str) or not model:
        raise _bad("model: Field required")
    if max_tokens is None:
        raise _bad("max_tokens: Field required")
    if isinstance(max_tokens, bool) or not isinstance(max_tokens, int) or max_tokens < 1:
        raise _bad("max_tokens: Input should be a valid integer greater than or equal to 1")
    messages = _messages(body.get("messages"))
    system = _system_text(body.get("system"))
    tools = _tools(body.get("tools"))
    mode, named, parallel = _tool_choice(body.get("tool_choice"), tools, bool(body.get("tools")))
    thinking, budget = _thinking(body.get("thinking"), max_tokens)
    if thinking and mode in ("required", "named"):
        raise _bad("Thinking may not be enabled when tool_choice forces tool use.")
    if thinking:
        _tool_turn_starts_with_thinking(messages)
    stops = body.get("stop_sequences") or []
    if not isinstance(stops, list) or not all(isinstance(s, str) for s in stops):
        raise _bad("stop_sequences: Input should be a valid list of strings")
    temperature = body.get("temperature")
    if temperature is not None and (isinstance(temperature, bool) or not isinstance(temperature, (int, float))
                                    or not 0 <= temperature <= 1):
        raise _bad("temperature: Input should be less than or equal to 1")
    stream = body.get("stream", False)
    if not isinstance(stream, bool):
        raise _bad("stream: Input should be a valid boolean")

    total, prefix = 0, 0
    for tool in body.get("tools") or []:
        total += count_tokens(str(tool.get("name", ""))) if isinstance(tool, dict) else 0
        prefix = total if _marked(tool) else prefix
    if system is not None:
        total += count_tokens(system) + TOKENS_PER_MESSAGE
        prefix = total if isinstance(body["system"], list) and any(_marked(b) for b in body["system"]) else prefix
    for message in messages:
        total += count_tokens(" ".join(_block_text(b) for b in _blocks(message["content"]))) + TOKENS_PER_MESSAGE
        prefix = total if _marked(message) else prefix

    user_text = ""
    for message in reversed(messages):
        texts = [b["text"] for b in _blocks(message["content"]) if b.get("type") == "text"]
        if message["role"] == "user" and texts:
            user_text = " ".join(texts)
            break
    last = messages[-1]
    results = [result_text(b) for b in _blocks(last["content"]) if b.get("type") == "tool_result"]
    return MessagesRequest(
        model=model, messages=messages, max_tokens=max_tokens, stream=stream, stops=list(stops),
        tools=tools, mode=mode, named=named, parallel_allowed=parallel, thinking=thinking,
        thinking_budget=budget, user_text=user_text, tool_results=results,
        ends_with_tool_results=last["role"] == "user" and bool(results),
        prompt_tokens=total, cache_prefix_tokens=min(prefix, total - 1), media=media_blocks(messages),
    )
