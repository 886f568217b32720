"""The OpenAI Responses driver (``POST /v1/responses``), on the helpers of :mod:`suites.responses_stream`."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import httpx

from suites import responses_stream as responses
from suites.checks import responses as checks
from suites.client import ApiClient
from suites.drivers.base import Answer, Finish, FormatDriver, Model, Named, ToolCall, ToolChoice, Usage
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


class ResponsesDriver(FormatDriver):
    """OpenAI Responses: ``input`` items in, a ``response`` with ``output`` items (or its events) out."""

    name = "responses"
    endpoint = responses.RESPONSES
    selection = responses
    max_tokens_field = "max_output_tokens"

    def _reasoning_on(self, model: Model) -> dict[str, Any]:
        return responses.reasoning_extra(model)

    def _tool(self, tool: Tool) -> dict[str, Any]:
        return tool.responses()

    def _tool_choice(self, choice: ToolChoice) -> Any:
        return {"type": "function", "name": choice.name} if isinstance(choice, Named) else choice

    def _build(self, model: Model | str, prompt: Any, fields: dict[str, Any]) -> dict[str, Any]:
        return responses.response_body(model, prompt, **fields)

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
              streamed: bool, created: tuple[Any, ...]) -> Answer:
        output = response.get("output") or []
        calls = [ToolCall(i.get("call_id"), i.get("name"), i.get("arguments"), item_id=i.get("id"))
                 for i in output if i.get("type") == "function_call"]
        finish, finish_raw = _finish(response, calls)
        return Answer(text=checks.message_text(response), reasoning=_reasoning(output), calls=calls, finish=finish,
                      finish_raw=finish_raw, usage=_usage(response.get("usage")), model=response.get("model"),
                      headers=headers, body=body, raw=raw, streamed=streamed, created=created)

    def answer(self, response: httpx.Response) -> Answer:
        body = response.json()
        return self._read(body, response.headers, response.content, body, False, (body.get("created_at"),))

    def grammar(self, result: EventStream) -> None:
        checks.sequence_numbers(result.payloads)
        last = str(result.payloads[-1].get("type")) if result.payloads else ""
        checks.event_sequence(result.payloads, terminal=last if last == "response.incomplete" else "response.completed")

    def streamed(self, result: EventStream) -> Answer:
        final = checks.final_matches_events(result.payloads)
        stamps = tuple(p["response"].get("created_at") for p in result.payloads
                       if isinstance(p.get("response"), dict))
        return self._read(final, result.headers, result.raw, result, True, stamps)
