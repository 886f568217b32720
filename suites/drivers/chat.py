"""The Chat Completions driver (``POST /v1/chat/completions``), on the helpers of :mod:`suites.chat`."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import httpx
import pytest

from suites import chat
from suites.checks import chat as checks
from suites.client import ApiClient
from suites.discovery import Discovery
from suites.drivers.base import Answer, Finish, FormatDriver, Model, Named, ToolCall, ToolChoice, Usage
from suites.selection import reasoning_on
from suites.streams import EventStream
from suites.tools import Tool

__all__ = ["ChatDriver"]

_FINISH: dict[str, Finish] = {"stop": "stop", "length": "length", "tool_calls": "tool_calls",
                              "function_call": "tool_calls", "content_filter": "content_filter"}


def _usage(usage: Any) -> Usage | None:
    if not isinstance(usage, dict):
        return None
    return Usage(input=usage.get("prompt_tokens"), output=usage.get("completion_tokens"),
                 total=usage.get("total_tokens"),
                 reasoning=(usage.get("completion_tokens_details") or {}).get("reasoning_tokens"),
                 cached=(usage.get("prompt_tokens_details") or {}).get("cached_tokens"),
                 cost=usage.get("cost"), raw=usage)


def _calls(tool_calls: Any) -> list[ToolCall]:
    return [ToolCall(c.get("id"), (c.get("function") or {}).get("name"), (c.get("function") or {}).get("arguments"))
            for c in tool_calls or ()]


class _ChatChoice:
    """Chat's model choice: :mod:`suites.chat`'s, and the discovery's chat pools (each skipping with its
    own message)."""

    def served(self, api: ApiClient, model: Model) -> bool:
        return chat.served(api, model)

    def per_provider(self, discovery: Discovery, api: ApiClient) -> list[Model]:
        return chat.per_provider(discovery, api)

    def plain_model(self, discovery: Discovery, api: ApiClient) -> Model:
        plain = discovery.plain_chat_model()
        if plain is None or not self.served(api, plain):
            pytest.skip("the deployment's catalog lists no Chat Completions model it serves")
        return plain

    def tool_models(self, discovery: Discovery, api: ApiClient) -> list[Model]:
        if not discovery.tool_models():
            pytest.skip("the deployment's catalog lists no tool-capable chat model (capabilities.tool_calling + tools)")
        return chat.per_provider(discovery, api, discovery.tool_models())


class ChatDriver(FormatDriver):
    """Chat Completions: ``messages`` in, ``choices[0].message`` (or ``delta`` chunks) out."""

    name = "chat"
    endpoint = chat.CHAT
    cost_always = True
    selection = _ChatChoice()
    max_tokens_field = "max_completion_tokens"

    def _reasoning_on(self, model: Model) -> dict[str, Any]:
        return reasoning_on(model)

    def _tool(self, tool: Tool) -> dict[str, Any]:
        return tool.chat()

    def _tool_choice(self, choice: ToolChoice) -> Any:
        return {"type": "function", "function": {"name": choice.name}} if isinstance(choice, Named) else choice

    def _stream_fields(self) -> dict[str, Any]:
        return {"stream": True, "stream_options": {"include_usage": True}}

    def _build(self, model: Model | str, prompt: Any, fields: dict[str, Any]) -> dict[str, Any]:
        return chat.chat_body(model, prompt, **fields)

    def round_trip(self, body: dict[str, Any], calls: Sequence[ToolCall], results: Sequence[str]) -> dict[str, Any]:
        assistant = {"role": "assistant", "content": None, "tool_calls": [
            {"id": c.id, "type": "function", "function": {"name": c.name, "arguments": c.raw}} for c in calls]}
        tool_turns = [{"role": "tool", "tool_call_id": c.id, "content": r} for c, r in zip(calls, results, strict=True)]
        return {**body, "messages": [*body["messages"], assistant, *tool_turns]}

    def create(self, api: ApiClient, body: Any, **kwargs: Any) -> httpx.Response:
        return chat.complete(api, body, **kwargs)

    def stream(self, api: ApiClient, body: Any, **kwargs: Any) -> EventStream:
        return chat.stream_chat(api, body, **kwargs)

    def answer(self, response: httpx.Response) -> Answer:
        body = response.json()
        choices = body.get("choices") if isinstance(body, dict) else None
        assert isinstance(choices, list) and choices, f"a chat completion without choices: {body!r:.300}"
        message, raw = choices[0].get("message") or {}, choices[0].get("finish_reason")
        return Answer(text=message.get("content") or "", reasoning=message.get("reasoning_content") or "",
                      calls=_calls(message.get("tool_calls")), finish=_FINISH.get(str(raw), "other"), finish_raw=raw,
                      usage=_usage(body.get("usage")), model=body.get("model"), headers=response.headers,
                      body=response.content, raw=body, streamed=False, created=(body.get("created"),))

    def grammar(self, result: EventStream) -> None:
        assert isinstance(result, chat.StreamResult)
        checks.done_terminates(result.data)
        checks.role_only_first(result.chunks)
        checks.one_finish_reason(result.chunks)
        checks.stable_identity(result.payloads)
        checks.no_empty_deltas(result.chunks)
        if any(p.get("choices") == [] for p in result.payloads):
            checks.usage_chunk_last(result.data, result.payloads)

    def streamed(self, result: EventStream) -> Answer:
        assert isinstance(result, chat.StreamResult)
        calls = [ToolCall(c["id"], c["function"]["name"], c["function"]["arguments"])
                 for c in checks.tool_call_fragments(result.chunks)]
        failed = any("error" in p for p in result.payloads)
        raw = result.finish_reasons[-1] if result.finish_reasons else None
        usages = [p["usage"] for p in result.payloads if p.get("choices") == [] and p.get("usage") is not None]
        models = [p.get("model") for p in result.chunks]
        return Answer(text=result.content, reasoning=result.reasoning, calls=calls,
                      finish="error" if failed else _FINISH.get(str(raw), "other"), finish_raw=raw,
                      usage=_usage(usages[-1]) if usages else None, model=models[0] if models else None,
                      headers=result.headers, body=result.raw, raw=result, streamed=True,
                      created=tuple(p.get("created") for p in result.payloads if "error" not in p))
