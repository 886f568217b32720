"""IR → Responses JSON (:func:`encode_result`) and named SSE events (:class:`EventEncoder`).

Output items, in the order the upstream produced them: a ``reasoning`` item (raw chain of thought as
``reasoning_text`` content; ``summary: []``, or the same text as one ``summary_text`` part when the request
asks for ``reasoning.summary``, D-41; D-8/D-17: no "Thinking…" block on this format), a ``message`` item
with one ``output_text`` part, one ``function_call`` item per tool call. A stream opens an item when its kind
starts and closes it when the next item starts or at the end; every event carries ``type`` and a
``sequence_number`` counting from 0. Exactly one terminal event: ``response.completed``,
``response.incomplete`` (finish ``length`` / ``content_filter``) or, after an in-band failure, ``error`` then
``response.failed``. Ids are the gateway's own (``resp_``, ``rs_``, ``msg_``, ``fc_``); ``call_id`` is the
tool call's id, never the item's. Every Response (the streams' ``created`` / ``in_progress`` / terminal ones
too) carries the whole object: the request's settings as used (D-40).
"""

from __future__ import annotations

import copy
import time
from typing import Any

from gateway.errors import GatewayError
from gateway.formats.frames import Frame
from gateway.formats.openai_responses.decode import SUMMARIES, ResponsesRequest
from gateway.formats.openai_responses.ids import new_id
from gateway.ir import (
    ChatResult,
    Finish,
    Finished,
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
from gateway.ir.reasoning import seal_signature
from gateway.money import cost_number

__all__ = ["EventEncoder", "encode_result", "new_id", "summarized", "usage_json"]

_INCOMPLETE: dict[str, str] = {"length": "max_output_tokens", "content_filter": "content_filter"}


def usage_json(request: ResponsesRequest, usage: Usage) -> dict[str, Any]:
    out: dict[str, Any] = {
        "input_tokens": usage.input_tokens,
        "input_tokens_details": {"cached_tokens": usage.cached_tokens, "cache_write_tokens": usage.cache_write_tokens},
        "output_tokens": usage.output_tokens,
        "output_tokens_details": {"reasoning_tokens": usage.reasoning_tokens},
        "total_tokens": usage.input_tokens + usage.output_tokens,
        "cost": cost_number(request.cost(usage)),
    }
    details = request.cost_details(usage)
    if details is not None:
        out["cost_details"] = {name: cost_number(usd) for name, usd in details.items()}
    if request.raw:
        out.update({k: v for k, v in usage.extra.items() if k not in out})
    return out


def _status(finish: Finish) -> tuple[str, dict[str, str] | None]:
    reason = _INCOMPLETE.get(finish)
    return ("incomplete", {"reason": reason}) if reason else ("completed", None)


def _envelope(request: ResponsesRequest, response_id: str, created: int, status: str) -> dict[str, Any]:
    return {
        "id": response_id, "object": "response", "created_at": created, "status": status, "completed_at": None,
        "model": request.model.id, "output": [], "usage": None, "error": None, "incomplete_details": None,
        **request.echo, **_used(request),
    }


def _used(request: ResponsesRequest) -> dict[str, Any]:
    """The settings the upstream got, the model's defaults included (D-61), over the request's echo."""
    used: dict[str, Any] = {name: value for name, value in (
        ("temperature", request.temperature), ("top_p", request.top_p),
        ("max_output_tokens", request.max_output_tokens)) if value is not None}
    reasoning = request.echo.get("reasoning") or {}
    if reasoning.get("effort") is None and request.reasoning.effort is not None:
        used["reasoning"] = {**reasoning, "effort": request.reasoning.effort}
    return used


def summarized(request: ResponsesRequest) -> bool:
    """Whether the request asks for the reasoning as a summary (``reasoning.summary``, D-41)."""
    return (request.echo.get("reasoning") or {}).get("summary") in SUMMARIES


def _summary_part(text: str) -> dict[str, Any]:
    return {"type": "summary_text", "text": text}


def _reasoning_item(item_id: str, text: str | None, status: str, *, summary: bool) -> dict[str, Any]:
    content = [] if text is None else [{"type": "reasoning_text", "text": text}]
    parts = [_summary_part(text)] if summary and text is not None else []
    return {"id": item_id, "type": "reasoning", "summary": parts, "content": content, "status": status}


def _text_part(text: str) -> dict[str, Any]:
    return {"type": "output_text", "text": text, "annotations": []}


def _message_item(item_id: str, text: str | None, status: str) -> dict[str, Any]:
    content = [] if text is None else [_text_part(text)]
    return {"id": item_id, "type": "message", "role": "assistant", "status": status, "content": content}


def _call_item(item_id: str, call: ToolCall, status: str) -> dict[str, Any]:
    return {"id": item_id, "type": "function_call", "call_id": call.id, "name": call.name,
            "arguments": call.arguments, "status": status}


def encode_result(request: ResponsesRequest, result: ChatResult) -> dict[str, Any]:
    status, details = _status(result.finish)
    output: list[dict[str, Any]] = []
    if result.reasoning and not request.reasoning.exclude:
        output.append(_reasoning_item(new_id("rs"), result.reasoning, "completed", summary=summarized(request)))
        if request.encrypted and result.reasoning_signature:
            output[-1]["encrypted_content"] = seal_signature(result.reasoning_signature)
    if result.text:
        message = _message_item(new_id("msg"), result.text, "completed")
        if request.raw:
            message.update({k: v for k, v in result.extra.items() if k not in message})
        output.append(message)
    output += [_call_item(new_id("fc"), call, "completed") for call in result.tool_calls]
    if details and output:
        output[-1]["status"] = "incomplete"
    now = int(time.time())
    envelope = _envelope(request, new_id("resp"), now, status)
    return {
        **envelope,
        "completed_at": now if status == "completed" else None,
        "output": output,
        "usage": usage_json(request, result.usage),
        "incomplete_details": details,
    }


class EventEncoder:
    """Turns IR stream events into named event frames. :meth:`start` first (``response.created``,
    ``response.in_progress``), then :meth:`event` per IR event, then :meth:`end` or :meth:`error`."""

    def __init__(self, request: ResponsesRequest) -> None:
        self.request = request
        self.id, self.created = new_id("resp"), int(time.time())
        self.sequence = 0
        self.started = False
        self.items: list[dict[str, Any]] = []
        """Every output item so far, open ones included, by output index."""
        self.pieces: list[list[str]] = []
        """The text (or arguments) received for each output item."""
        self.open: int | None = None
        self.calls: dict[int, int] = {}
        """IR tool-call index → output index."""
        self.finish: Finished | None = None
        self.usage: Usage | None = None

    def _frame(self, kind: str, **fields: Any) -> Frame:
        """The next event; a snapshot, so items settled later do not change a frame already returned."""
        frame = Frame(kind, {"type": kind, "sequence_number": self.sequence, **copy.deepcopy(fields)})
        self.sequence += 1
        return frame

    def _response(self, status: str) -> dict[str, Any]:
        return _envelope(self.request, self.id, self.created, status)

    def start(self) -> list[Frame]:
        """``response.created`` and ``response.in_progress`` (once)."""
        if self.started:
            return []
        self.started = True
        response = self._response("in_progress")
        return [self._frame("response.created", response=response),
                self._frame("response.in_progress", response=response)]

    def _open(self, item: dict[str, Any]) -> list[Frame]:
        out = self._close("completed")
        index = len(self.items)
        self.items.append(item)
        self.pieces.append([])
        self.open = index
        out.append(self._frame("response.output_item.added", output_index=index, item=item))
        if item["type"] == "message":
            out.append(self._frame("response.content_part.added", item_id=item["id"], output_index=index,
                                   content_index=0, part=_text_part("")))
        elif item["type"] == "reasoning" and summarized(self.request):
            out.append(self._frame("response.reasoning_summary_part.added", item_id=item["id"], output_index=index,
                                   summary_index=0, part=_summary_part("")))
        return out

    def _settle(self, index: int, status: str) -> str:
        """Write the received text into item ``index`` and give it ``status``; the text."""
        item, text = self.items[index], "".join(self.pieces[index])
        item["status"] = status
        if item["type"] == "reasoning":
            item["content"] = [{"type": "reasoning_text", "text": text}]
            if summarized(self.request):
                item["summary"] = [_summary_part(text)]
        elif item["type"] == "message":
            item["content"] = [_text_part(text)]
        else:
            item["arguments"] = text
        return text

    def _close(self, status: str) -> list[Frame]:
        """The closing events of the open item, if any."""
        if self.open is None:
            return []
        index, self.open = self.open, None
        text = self._settle(index, status)
        item = self.items[index]
        where = {"item_id": item["id"], "output_index": index}
        if item["type"] == "reasoning":
            out = [self._frame("response.reasoning_text.done", **where, content_index=0, text=text)]
            if summarized(self.request):
                out += [self._frame("response.reasoning_summary_text.done", **where, summary_index=0, text=text),
                        self._frame("response.reasoning_summary_part.done", **where, summary_index=0,
                                    part=_summary_part(text))]
        elif item["type"] == "message":
            out = [self._frame("response.output_text.done", **where, content_index=0, text=text, logprobs=[]),
                   self._frame("response.content_part.done", **where, content_index=0, part=item["content"][0])]
        else:
            out = [self._frame("response.function_call_arguments.done", **where, arguments=text, name=item["name"])]
        return [*out, self._frame("response.output_item.done", output_index=index, item=item)]

    def _open_kind(self) -> str | None:
        return None if self.open is None else str(self.items[self.open]["type"])

    def event(self, event: StreamEvent) -> list[Frame]:
        """The events for one IR event (possibly none)."""
        out = self.start()
        if isinstance(event, ReasoningDelta):
            if self.request.reasoning.exclude or not event.text:
                return out
            if self._open_kind() != "reasoning":
                out += self._open(_reasoning_item(new_id("rs"), None, "in_progress", summary=False))
            out.append(self._delta("response.reasoning_text.delta", event.text, content_index=0))
            if summarized(self.request):
                item = self.items[self.open]  # type: ignore[index]
                out.append(self._frame("response.reasoning_summary_text.delta", item_id=item["id"],
                                       output_index=self.open, summary_index=0, delta=event.text))
            return out
        if isinstance(event, ReasoningSigned):
            reasoning = [item for item in self.items if item["type"] == "reasoning"]
            if self.request.encrypted and reasoning and "encrypted_content" not in reasoning[-1]:
                reasoning[-1]["encrypted_content"] = seal_signature(event.signature)
            elif reasoning:
                reasoning[-1].pop("encrypted_content", None)  # two signed blocks in one item: neither fits
            return out
        if isinstance(event, TextDelta):
            if not event.text:
                return out
            if self._open_kind() != "message":
                out += self._open(_message_item(new_id("msg"), None, "in_progress"))
            return [*out, self._delta("response.output_text.delta", event.text, content_index=0, logprobs=[])]
        if isinstance(event, ToolCallStart):
            out += self._open(_call_item(new_id("fc"), ToolCall(event.id, event.name, ""), "in_progress"))
            self.calls[event.index] = len(self.items) - 1
            return out
        if isinstance(event, ToolArgsDelta):
            index = self.calls.get(event.index)
            if index is None or not event.fragment:
                return out
            if index != self.open:
                # A fragment for a call already closed (an upstream interleaving calls): keep it, late.
                self.items[index]["arguments"] += event.fragment
                return [*out, self._frame("response.function_call_arguments.delta", item_id=self.items[index]["id"],
                                          output_index=index, delta=event.fragment)]
            return [*out, self._delta("response.function_call_arguments.delta", event.fragment)]
        if isinstance(event, Finished):
            self.finish = event
        elif isinstance(event, UsageReport):
            self.usage = event.usage
        return out

    def _delta(self, kind: str, piece: str, **fields: Any) -> Frame:
        assert self.open is not None
        self.pieces[self.open].append(piece)
        item = self.items[self.open]
        return self._frame(kind, item_id=item["id"], output_index=self.open, **fields, delta=piece)

    def end(self) -> list[Frame]:
        """Close the open item, then ``response.completed`` (or ``response.incomplete``) with the whole response."""
        out = self.start()
        status, details = _status(self.finish.finish if self.finish else "stop")
        out += self._close("incomplete" if details else "completed")
        response = self._response(status)
        response.update({
            "completed_at": int(time.time()) if status == "completed" else None,
            "output": self.items,
            "usage": usage_json(self.request, self.usage or Usage()),
            "incomplete_details": details,
        })
        return [*out, self._frame(f"response.{status}", response=response)]

    def error(self, error: GatewayError) -> list[Frame]:
        """A failure after the stream started: ``error``, then ``response.failed``; nothing after."""
        out = self.start()
        if self.open is not None:
            self._settle(self.open, "incomplete")
            self.open = None
        out.append(self._frame("error", code=error.code, message=error.message, param=error.param))
        response = self._response("failed")
        response.update({
            "output": self.items,
            "usage": usage_json(self.request, self.usage) if self.usage else None,
            "error": {"code": error.code, "message": error.message},
        })
        return [*out, self._frame("response.failed", response=response)]
