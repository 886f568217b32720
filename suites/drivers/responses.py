"""The OpenAI Responses driver (``POST /v1/responses``), on the helpers of :mod:`suites.responses_stream`."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

import httpx

from suites import responses_stream as responses
from suites.checks import errors
from suites.checks import responses as checks
from suites.client import ApiClient
from suites.contract import Contract
from suites.discovery import Discovery
from suites.drivers.base import (
    PROMPT,
    Answer,
    ErrorReply,
    Finish,
    Model,
    Named,
    ToolCall,
    ToolChoice,
    Usage,
    reasoning_off,
)
from suites.streams import EventStream
from suites.tools import Tool

__all__ = ["ResponsesDriver"]

_INCOMPLETE: dict[str, Finish] = {"max_output_tokens": "length", "content_filter": "content_filter"}


def _usage(usage: Any) -> Usage | None:
    if not isinstance(usage, dict):
        return None
    return Usage(input=usage.get("input_tokens"), output=usage.get("output_tokens"), total=usage.get("total_tokens"),
                 reasoning=(usage.get("output_tokens_details") or {}).get("reasoning_tokens"),
                 cached=(usage.get("input_tokens_details") or {}).get("cached_tokens"),
                 cost=usage.get("cost"), raw=usage)


def _finish(response: dict[str, Any], calls: list[ToolCall]) -> tuple[Finish, Any]:
    """The common finish reason of a Response and the raw value (``status``, or
    ``incomplete:<reason>``)."""
    status = response.get("status")
    if status == "completed":
        return ("tool_calls" if calls else "stop"), status
    if status == "incomplete":
        reason = (response.get("incomplete_details") or {}).get("reason")
        return _INCOMPLETE.get(str(reason), "other"), f"incomplete:{reason}"
    return ("error" if status == "failed" else "other"), status


def _reasoning(output: Sequence[dict[str, Any]]) -> str:
    return "".join(str(part.get("text") or "") for item in output if item.get("type") == "reasoning"
                   for part in item.get("content") or ())


class ResponsesDriver:
    """OpenAI Responses: ``input`` items in, a ``response`` with ``output`` items (or its events) out."""

    name = "responses"
    endpoint = responses.RESPONSES
    cost_always = False
    envelope: Literal["openai", "anthropic"] = "openai"

    def models(self, discovery: Discovery) -> list[Model]:
        return sorted(discovery.serving(self.endpoint), key=lambda m: m["id"])

    def served(self, api: ApiClient, model: Model) -> bool:
        return responses.served(api, model)

    def per_provider(self, discovery: Discovery, api: ApiClient) -> list[Model]:
        return responses.per_provider(discovery, api)

    def plain_model(self, discovery: Discovery, api: ApiClient) -> Model:
        return responses.plain_model(discovery, api)

    def tool_models(self, discovery: Discovery, api: ApiClient) -> list[Model]:
        return responses.tool_models(discovery, api)

    def off_controls(self, model: Model) -> dict[str, Any]:
        return reasoning_off(model)

    def body(self, model: Model | str, prompt: Any = PROMPT, *, max_tokens: int | None = None,
             tools: Sequence[Tool] = (), tool_choice: ToolChoice | None = None, stream: bool = False,
             reasoning: bool | None = None, **extra: Any) -> dict[str, Any]:
        fields: dict[str, Any] = {}
        if reasoning is not None and not isinstance(model, str):
            fields.update(responses.reasoning_extra(model) if reasoning else self.off_controls(model))
        if max_tokens is not None:
            fields["max_output_tokens"] = max_tokens
        if tools:
            fields["tools"] = [t.responses() for t in tools]
        if tool_choice is not None:
            fields["tool_choice"] = ({"type": "function", "name": tool_choice.name} if isinstance(tool_choice, Named)
                                     else tool_choice)
        if stream:
            fields["stream"] = True
        return responses.response_body(model, prompt, **{**fields, **extra})

    def round_trip(self, body: dict[str, Any], calls: Sequence[ToolCall], results: Sequence[str]) -> dict[str, Any]:
        items = body["input"] if isinstance(body["input"], list) else [{"role": "user", "content": body["input"]}]
        made = [{"type": "function_call", "call_id": c.id, "name": c.name, "arguments": c.raw} for c in calls]
        outputs = [{"type": "function_call_output", "call_id": c.id, "output": r}
                   for c, r in zip(calls, results, strict=True)]
        return {**body, "input": [*items, *made, *outputs]}

    def create(self, api: ApiClient, body: Any, **kwargs: Any) -> httpx.Response:
        return responses.create(api, body, **kwargs)

    def stream(self, api: ApiClient, body: Any, **kwargs: Any) -> EventStream:
        return responses.stream_responses(api, body, **kwargs)

    def _read(self, response: dict[str, Any], headers: httpx.Headers, body: bytes, raw: Any,
              streamed: bool) -> Answer:
        output = response.get("output") or []
        calls = [ToolCall(i.get("call_id"), i.get("name"), i.get("arguments"), item_id=i.get("id"))
                 for i in output if i.get("type") == "function_call"]
        finish, finish_raw = _finish(response, calls)
        return Answer(text=checks.message_text(response), reasoning=_reasoning(output), calls=calls, finish=finish,
                      finish_raw=finish_raw, usage=_usage(response.get("usage")), model=response.get("model"),
                      headers=headers, body=body, raw=raw, streamed=streamed)

    def answer(self, response: httpx.Response) -> Answer:
        body = response.json()
        return self._read(body, response.headers, response.content, body, False)

    def streamed(self, result: EventStream) -> Answer:
        final = checks.final_matches_events(result.payloads)
        return self._read(final, result.headers, result.raw, result, True)

    def error(self, response: httpx.Response, contract: Contract, *, status: int) -> ErrorReply:
        error = errors.openai_error(response, contract, status=status)
        return ErrorReply(status, error.get("type"), error.get("message"), error.get("code"), error.get("param"))
