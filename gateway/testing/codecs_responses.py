"""Defects of the OpenAI Responses codec, as patches of ``state.codecs["openai_responses"]``.

Decoding: the IR request changed after the codec. Encoding: the Response object changed after it. Streams: IR events kept
from the encoder (reasoning, later tool calls) or its frames changed or dropped (sequence numbers, the
``done`` text, ``item_id``, the terminal events).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from gateway.errors import InvalidRequest
from gateway.formats.frames import Frame
from gateway.ir import ChatRequest, ReasoningDelta
from gateway.state import GatewayState
from gateway.testing.codec_patches import (
    FirstCallOnly,
    Patch,
    PatchedCodec,
    StreamPatch,
    data_of,
    drop_events,
    first_of,
    json_object,
    map_frames,
    named,
)
from gateway.testing.registry import ActiveDefects, defect

__all__ = ["install"]

FORMAT = "openai_responses"

# Request decoding.
REASONING_ITEMS_DROPPED = defect("resp_reasoning_items_dropped",
                                  "reasoning items sent back become the next assistant turn's reasoning (D-8)")
SEALED_SIGNATURE_IGNORED = defect("resp_sealed_signature_ignored",
                                  "a reasoning item's encrypted_content sent back gives its turn Claude's signed "
                                  "thinking (D-65)")
CALL_OUTPUT_IGNORED = defect("resp_function_call_output_ignored", "function_call_output items reach the model")
# The Response object (and the same rule in streams).
INCOMPLETE_AS_COMPLETED = defect("resp_incomplete_reported_completed", "hitting max_output_tokens is status incomplete")
REASONING_MISSING = defect("resp_reasoning_item_missing", "reasoning reaches Responses clients as a reasoning item")
PARALLEL_MERGED = defect("resp_parallel_calls_merged", "parallel tool calls stay separate function_call items")
OBJECT_WRONG = defect("resp_object_wrong", "a Responses response has object: response")
FIELDS_MISSING = defect("resp_fields_missing", "a Response carries every field of the OpenAI / Open Responses object")
TEMPERATURE_NULL = defect("resp_temperature_null", "temperature and top_p echo the values used, never null")
ECHO_NOT_USED = defect("resp_echo_not_what_was_used",
                       "temperature, top_p and max_output_tokens echo what the upstream got (D-61)")
ENCRYPTED_MISSING = defect("resp_encrypted_content_missing",
                           "include reasoning.encrypted_content puts Claude's signature on the reasoning item (D-65)")
DONE_ITEM_UNSEALED = defect("resp_done_item_unsealed",
                            "a streamed reasoning item's output_item.done carries its encrypted_content (D-65)")
SUMMARY_MISSING = defect("resp_summary_missing", "reasoning.summary requested puts the reasoning in summary_text")
CALL_ID_IS_ITEM_ID = defect("resp_call_id_equals_item_id", "a function_call's call_id differs from its item id")
RETURNED_ITEMS_REFUSED = defect("resp_returned_items_refused", "the output items returned are accepted back as input")
STORE_FALSE = defect("resp_store_echoed_false", "store echoes the value used (true unless store: false)")
SETTINGS_NOT_ECHOED = defect("resp_settings_not_echoed", "the Response echoes the settings sent")
STREAM_SETTINGS_DIFFER = defect("resp_stream_settings_differ", "created, in_progress and terminal responses agree")
SUMMARY_ORDER = defect("resp_summary_events_out_of_order", "summary events come in the documented order")
SUMMARY_CUT = defect("resp_summary_truncated", "the summary carries the reasoning text")
FREE_CHOICE_REFUSED = defect("resp_tool_choice_auto_without_tools_400", "tool_choice auto/none need no tools")
# Stream events.
SEQUENCE_REPEATS = defect("resp_sequence_repeats", "sequence_number strictly increases")
DONE_TEXT_MISMATCH = defect("resp_text_done_mismatch", "output_text.done carries the full text of the deltas")
DELTA_ITEM_ID_MISSING = defect("resp_delta_item_id_missing", "output_text.delta events carry item_id")
COMPLETED_MISSING = defect("resp_completed_missing", "a Responses stream ends with response.completed")
FAILED_MISSING = defect("resp_failed_missing", "a failure after a Responses stream started ends with response.failed")


def install(state: GatewayState, active: ActiveDefects) -> None:
    """Wrap the Responses codec with this area's patches."""
    state.codecs[FORMAT] = PatchedCodec(state.codecs[FORMAT], _PATCHES, active)


# -- decoding ---------------------------------------------------------------------------------------------

def _reasoning_items_dropped(raw: bytes, request: ChatRequest) -> ChatRequest:
    for message in request.messages:
        message.reasoning = None
    return request


def _sealed_signature_ignored(raw: bytes, request: ChatRequest) -> ChatRequest:
    for message in request.messages:
        message.signed_thinking = []
    return request


def _unsealed(item: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in item.items() if k != "encrypted_content"}


def _free_choice_refused(sent: bytes, request: ChatRequest) -> ChatRequest:
    body = json_object(sent) or {}
    if not body.get("tools") and body.get("tool_choice") in ("auto", "none"):
        raise InvalidRequest("'tool_choice' needs 'tools'.", param="tool_choice")
    return request


def _returned_items_refused(sent: bytes, request: ChatRequest) -> ChatRequest:
    items = (json_object(sent) or {}).get("input")
    for n, item in enumerate(items if isinstance(items, list) else ()):
        if isinstance(item, dict) and "id" in item:
            raise InvalidRequest(f"Invalid input item at 'input[{n}]': unexpected field 'id'.", param=f"input[{n}]")
    return request


def _call_outputs_dropped(sent: bytes, request: ChatRequest) -> ChatRequest:
    request.messages = [m for m in request.messages if m.role != "tool"]
    return request


# -- the Response object ----------------------------------------------------------------------------------

def _reported_completed(body: dict[str, Any]) -> dict[str, Any]:
    if body["status"] != "incomplete":
        return body
    output = [dict(item) for item in body["output"]]
    if output:
        output[-1]["status"] = "completed"
    return {**body, "status": "completed", "completed_at": body["created_at"], "incomplete_details": None,
            "output": output}


def _without_reasoning(body: dict[str, Any]) -> dict[str, Any]:
    return {**body, "output": [item for item in body["output"] if item.get("type") != "reasoning"]}


def _first_call(body: dict[str, Any]) -> dict[str, Any]:
    output = [dict(item) for item in first_of(body["output"], "function_call")]
    if body.get("incomplete_details") and output:
        output[-1]["status"] = "incomplete"
    return {**body, "output": output}


def _object_wrong(body: dict[str, Any]) -> dict[str, Any]:
    return {**body, "object": "resp"}


_ADDED_FIELDS = ("truncation", "store", "background", "service_tier", "top_logprobs", "max_tool_calls",
                 "prompt_cache_key", "safety_identifier", "presence_penalty", "frequency_penalty")


def _fields_missing(body: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in body.items() if k not in _ADDED_FIELDS}


def _temperature_null(body: dict[str, Any]) -> dict[str, Any]:
    return {**body, "temperature": None, "top_p": None}


def _unsummarised(item: dict[str, Any]) -> dict[str, Any]:
    return {**item, "summary": []} if item.get("type") == "reasoning" else item


def _call_id_is_item_id(item: dict[str, Any]) -> dict[str, Any]:
    return {**item, "call_id": item["id"]} if item.get("type") == "function_call" else item


def _each_item(change: Callable[[dict[str, Any]], dict[str, Any]]) -> Callable[[dict[str, Any]], dict[str, Any]]:
    """A body patch applying ``change`` to every output item."""
    return lambda body: {**body, "output": [change(item) for item in body.get("output") or ()]}


def _in_events(body: Callable[[dict[str, Any]], dict[str, Any]],
               item: Callable[[dict[str, Any]], dict[str, Any]] | None = None) -> Callable[[Frame], Frame | None]:
    """A frame patch applying ``body`` to each event's ``response`` and ``item`` to each event's ``item``."""
    def change(frame: Frame) -> Frame:
        if not isinstance(frame.data, dict) or ("response" not in frame.data and "item" not in frame.data):
            return frame
        data = data_of(frame)
        if isinstance(data.get("response"), dict):
            data["response"] = body(data["response"])
        if item is not None and isinstance(data.get("item"), dict):
            data["item"] = item(data["item"])
        return Frame(frame.event, data)
    return change


def _store_false(body: dict[str, Any]) -> dict[str, Any]:
    return {**body, "store": False}


def _openai_defaults_echoed(body: dict[str, Any]) -> dict[str, Any]:
    return {**body, "temperature": 1.0, "top_p": 1.0, "max_output_tokens": None}


def _settings_dropped(body: dict[str, Any]) -> dict[str, Any]:
    return {**body, **dict.fromkeys(("user", "prompt_cache_key", "safety_identifier", "max_tool_calls"))}


def _created_colder(frame: Frame) -> Frame:
    if not named(frame, "response.created", "response.in_progress"):
        return frame
    data = data_of(frame)
    data["response"] = {**data["response"], "temperature": 0.0}
    return Frame(frame.event, data)


def _summary_cut(item: dict[str, Any]) -> dict[str, Any]:
    if item.get("type") != "reasoning" or not item.get("summary"):
        return item
    return {**item, "summary": [{**p, "text": p["text"][: len(p["text"]) // 2]} for p in item["summary"]]}


_SUMMARY_EVENTS = ("response.reasoning_summary_part.added", "response.reasoning_summary_text.delta",
                   "response.reasoning_summary_text.done", "response.reasoning_summary_part.done")


def _no_summary(frame: Frame) -> Frame | None:
    if named(frame, *_SUMMARY_EVENTS):
        return None
    return _in_events(_each_item(_unsummarised), _unsummarised)(frame)


# -- stream events ----------------------------------------------------------------------------------------

class _SummaryPartDoneFirst(StreamPatch):
    """``reasoning_summary_part.done`` sent before ``reasoning_summary_text.done`` (numbers kept in order)."""

    def frames(self, frames: list[Frame]) -> list[Frame]:
        kinds = [f.event for f in frames]
        text, part = "response.reasoning_summary_text.done", "response.reasoning_summary_part.done"
        if text not in kinds or part not in kinds:
            return frames
        i, j = kinds.index(text), kinds.index(part)
        out = list(frames)
        out[i], out[j] = frames[j], frames[i]
        for n, k in ((i, j), (j, i)):
            data = {**data_of(out[n]), "sequence_number": data_of(frames[k])["sequence_number"]}
            out[n] = Frame(out[n].event, data)
        return out


class _SequenceRepeats(StreamPatch):
    """The counter does not advance after a ``.delta`` event, so the next event repeats its number."""

    def __init__(self) -> None:
        self.next = 0

    def frames(self, frames: list[Frame]) -> list[Frame]:
        out = []
        for frame in frames:
            if isinstance(frame.data, dict) and "sequence_number" in frame.data:
                data = {**frame.data, "sequence_number": self.next}
                if not str(data.get("type", "")).endswith(".delta"):
                    self.next += 1
                frame = Frame(frame.event, data)
            out.append(frame)
        return out


def _done_text_cut(frame: Frame) -> Frame:
    if not named(frame, "response.output_text.done"):
        return frame
    data = data_of(frame)
    data["text"] = data["text"][:-1]
    return Frame(frame.event, data)


def _delta_without_item_id(frame: Frame) -> Frame:
    if not named(frame, "response.output_text.delta"):
        return frame
    data = data_of(frame)
    del data["item_id"]
    return Frame(frame.event, data)


def _no_terminal(frame: Frame) -> Frame | None:
    return None if named(frame, "response.completed", "response.incomplete") else frame


def _no_failed(frame: Frame) -> Frame | None:
    return None if named(frame, "response.failed") else frame


_PATCHES = (
    Patch(CALL_OUTPUT_IGNORED, request=_call_outputs_dropped),
    Patch(INCOMPLETE_AS_COMPLETED, body=_reported_completed),
    Patch(REASONING_MISSING, body=_without_reasoning, stream=drop_events(ReasoningDelta)),
    Patch(PARALLEL_MERGED, body=_first_call, stream=FirstCallOnly),
    Patch(OBJECT_WRONG, body=_object_wrong),
    Patch(FIELDS_MISSING, body=_fields_missing, stream=map_frames(_in_events(_fields_missing))),
    Patch(TEMPERATURE_NULL, body=_temperature_null, stream=map_frames(_in_events(_temperature_null))),
    Patch(ECHO_NOT_USED, body=_openai_defaults_echoed, stream=map_frames(_in_events(_openai_defaults_echoed))),
    Patch(SUMMARY_MISSING, body=_each_item(_unsummarised), stream=map_frames(_no_summary)),
    Patch(CALL_ID_IS_ITEM_ID, body=_each_item(_call_id_is_item_id),
          stream=map_frames(_in_events(_each_item(_call_id_is_item_id), _call_id_is_item_id))),
    Patch(FREE_CHOICE_REFUSED, request=_free_choice_refused),
    Patch(REASONING_ITEMS_DROPPED, request=_reasoning_items_dropped),
    Patch(SEALED_SIGNATURE_IGNORED, request=_sealed_signature_ignored),
    Patch(DONE_ITEM_UNSEALED, stream=map_frames(_in_events(lambda body: body, _unsealed))),
    Patch(ENCRYPTED_MISSING, body=_each_item(_unsealed), stream=map_frames(_in_events(_each_item(_unsealed), _unsealed))),
    Patch(RETURNED_ITEMS_REFUSED, request=_returned_items_refused),
    Patch(STORE_FALSE, body=_store_false, stream=map_frames(_in_events(_store_false))),
    Patch(SETTINGS_NOT_ECHOED, body=_settings_dropped, stream=map_frames(_in_events(_settings_dropped))),
    Patch(STREAM_SETTINGS_DIFFER, stream=map_frames(_created_colder)),
    Patch(SUMMARY_CUT, body=_each_item(_summary_cut)),
    Patch(SUMMARY_ORDER, stream=_SummaryPartDoneFirst),
    Patch(SEQUENCE_REPEATS, stream=_SequenceRepeats),
    Patch(DONE_TEXT_MISMATCH, stream=map_frames(_done_text_cut)),
    Patch(DELTA_ITEM_ID_MISSING, stream=map_frames(_delta_without_item_id)),
    Patch(COMPLETED_MISSING, stream=map_frames(_no_terminal)),
    Patch(FAILED_MISSING, stream=map_frames(_no_failed)),
)
