"""Defects of the OpenAI Responses codec, as patches of ``state.codecs["openai_responses"]``.

Decoding: ``previous_response_id`` removed before the codec reads it (so it is not refused), or the
IR request changed after it. Encoding: the Response object changed after it. Streams: IR events kept
from the encoder (reasoning, later tool calls) or its frames changed or dropped (sequence numbers, the
``done`` text, ``item_id``, the terminal events).
"""

from __future__ import annotations

import json
from typing import Any

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
PREVIOUS_ID_ACCEPTED = defect("previous_response_id_accepted", "previous_response_id is a 400 (the API is stateless)")
CALL_OUTPUT_IGNORED = defect("resp_function_call_output_ignored", "function_call_output items reach the model")
# The Response object (and the same rule in streams).
INCOMPLETE_AS_COMPLETED = defect("resp_incomplete_reported_completed", "hitting max_output_tokens is status incomplete")
REASONING_MISSING = defect("resp_reasoning_item_missing", "reasoning reaches Responses clients as a reasoning item")
PARALLEL_MERGED = defect("resp_parallel_calls_merged", "parallel tool calls stay separate function_call items")
OBJECT_WRONG = defect("resp_object_wrong", "a Responses response has object: response")
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

def _previous_id_dropped(raw: bytes) -> bytes:
    body = json_object(raw)
    if body is None or not isinstance(body.get("previous_response_id"), str):
        return raw
    return json.dumps({k: v for k, v in body.items() if k != "previous_response_id"}).encode()


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


# -- stream events ----------------------------------------------------------------------------------------

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
    Patch(PREVIOUS_ID_ACCEPTED, raw=_previous_id_dropped),
    Patch(CALL_OUTPUT_IGNORED, request=_call_outputs_dropped),
    Patch(INCOMPLETE_AS_COMPLETED, body=_reported_completed),
    Patch(REASONING_MISSING, body=_without_reasoning, stream=drop_events(ReasoningDelta)),
    Patch(PARALLEL_MERGED, body=_first_call, stream=FirstCallOnly),
    Patch(OBJECT_WRONG, body=_object_wrong),
    Patch(SEQUENCE_REPEATS, stream=_SequenceRepeats),
    Patch(DONE_TEXT_MISMATCH, stream=map_frames(_done_text_cut)),
    Patch(DELTA_ITEM_ID_MISSING, stream=map_frames(_delta_without_item_id)),
    Patch(COMPLETED_MISSING, stream=map_frames(_no_terminal)),
    Patch(FAILED_MISSING, stream=map_frames(_no_failed)),
)
