"""Defects of the Anthropic Messages codec, as patches of ``state.codecs["anthropic_messages"]``.

Decoding: the body rewritten before the codec reads it (a missing ``max_tokens`` filled in, the text
blocks of a turn joined into one) or the IR request changed / refused after it. Encoding: the message
object changed after it. Streams: IR events kept from the encoder (thinking, later tool calls) or its
frames changed, dropped or replaced (``message_start`` usage, block indexes, delta types, the final events,
the in-band error).
"""

from __future__ import annotations

import json
from typing import Any

from gateway.errors import GatewayError, InvalidRequest
from gateway.formats.frames import Frame
from gateway.ir import ChatRequest, ReasoningDelta, ReasoningSigned
from gateway.ir.reasoning import own_signature
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

FORMAT = "anthropic_messages"

# Request decoding.
MAX_TOKENS_NOT_REQUIRED = defect("msg_max_tokens_not_required", "max_tokens is required on /v1/messages")
TEXT_PARTS_GLUED = defect("text_parts_glued", "several text blocks of one turn reach the model separated")
TOOL_RESULT_MIXED_REJECTED = defect("msg_tool_result_mixed_rejected",
                                    "a user turn mixing tool_result and text blocks is accepted")
THINKING_HISTORY_REJECTED = defect("msg_thinking_history_rejected",
                                   "thinking / redacted_thinking blocks sent back on an assistant turn are accepted (D-8)")
STOP_SEQUENCE_IGNORED = defect("msg_stop_sequence_ignored", "stop_sequences stop the answer (stop_reason stop_sequence)")
# The message object (and the same rule in streams).
SIGNATURE_REPLACED = defect("msg_claude_signature_replaced",
                             "a Claude thinking block reaches the client with the upstream's signature (D-62)")
THINKING_DROPPED = defect("msg_thinking_dropped", "reasoning reaches /v1/messages clients as thinking blocks")
TEXT_DIFFERS = defect("msg_text_differs_across_formats", "the same prompt gives the same text in every format")
PARALLEL_MERGED = defect("msg_parallel_tool_use_merged", "parallel tool calls stay separate tool_use blocks")
TYPE_WRONG = defect("msg_type_wrong", "a Messages response has type: message")
# Stream events.
START_ZERO_INPUT = defect("msg_start_zero_input", "message_start reports input_tokens > 0")
STOP_INDEX_MISMATCH = defect("msg_block_stop_index_mismatch", "content_block_stop carries its block's index")
TEXT_DELTA_TYPE_WRONG = defect("msg_text_delta_type_wrong", "streamed text arrives as text_delta")
DELTA_NO_STOP_REASON = defect("msg_delta_no_stop_reason", "message_delta carries the stop_reason")
STOP_MISSING = defect("msg_stop_missing", "an Anthropic stream ends with message_stop")
ERROR_NOT_EVENT = defect("msg_stream_error_not_event",
                         "a failure after an Anthropic stream started is one event: error")

FREE_CHOICE_REFUSED = defect("msg_tool_choice_auto_without_tools_400", "tool_choice auto/none need no tools")

def install(state: GatewayState, active: ActiveDefects) -> None:
    """Wrap the Messages codec with this area's patches."""
    state.codecs[FORMAT] = PatchedCodec(state.codecs[FORMAT], _PATCHES, active)


def _turns(body: dict[str, Any]) -> list[list[Any]]:
    """The block lists of the body's turns (turns with string content have none)."""
    messages = body.get("messages")
    turns = messages if isinstance(messages, list) else []
    return [t["content"] for t in turns if isinstance(t, dict) and isinstance(t.get("content"), list)]


def _is(block: Any, kind: str) -> bool:
    return isinstance(block, dict) and block.get("type") == kind


# -- decoding ---------------------------------------------------------------------------------------------

def _max_tokens_defaulted(raw: bytes) -> bytes:
    body = json_object(raw)
    if body is None or "max_tokens" in body:
        return raw
    return json.dumps({**body, "max_tokens": 1024}).encode()


def _texts_glued(raw: bytes) -> bytes:
    """Each turn's text blocks as one block, their texts joined with nothing between them."""
    body = json_object(raw)
    if body is None:
        return raw
    changed = False
    for blocks in _turns(body):
        texts = [b for b in blocks if _is(b, "text") and isinstance(b.get("text"), str)]
        if len(texts) < 2:
            continue
        glued = {**texts[0], "text": "".join(b["text"] for b in texts)}
        blocks[:] = [glued if b is texts[0] else b for b in blocks if not any(b is t for t in texts[1:])]
        changed = True
    return json.dumps(body).encode() if changed else raw


def _mixed_rejected(sent: bytes, request: ChatRequest) -> ChatRequest:
    body = json_object(sent) or {}
    for blocks in _turns(body):
        if any(_is(b, "tool_result") for b in blocks) and any(_is(b, "text") for b in blocks):
            raise InvalidRequest("tool_result blocks cannot be mixed with text.", param="messages")
    return request


def _thinking_rejected(sent: bytes, request: ChatRequest) -> ChatRequest:
    body = json_object(sent) or {}
    for blocks in _turns(body):
        if any(_is(b, "thinking") or _is(b, "redacted_thinking") for b in blocks):
            raise InvalidRequest("thinking blocks cannot be sent back.", param="messages")
    return request


def _stops_ignored(sent: bytes, request: ChatRequest) -> ChatRequest:
    request.stop = []
    return request


# -- the message object -----------------------------------------------------------------------------------

def _own_signatures(body: dict[str, Any]) -> dict[str, Any]:
    content = [{**b, "signature": own_signature(b["thinking"])} if b.get("type") == "thinking" else b
               for b in body.get("content") or ()]
    return {**body, "content": content}


def _without_thinking(body: dict[str, Any]) -> dict[str, Any]:
    return {**body, "content": [b for b in body["content"] if b.get("type") != "thinking"]}


def _text_cut(body: dict[str, Any]) -> dict[str, Any]:
    """The text one character short (a text block left empty is gone)."""
    content = []
    for block in body["content"]:
        if block.get("type") == "text":
            block = {**block, "text": block["text"][:-1]}
            if not block["text"]:
                continue
        content.append(block)
    return {**body, "content": content}


def _first_tool_use(body: dict[str, Any]) -> dict[str, Any]:
    return {**body, "content": first_of(body["content"], "tool_use")}


def _type_wrong(body: dict[str, Any]) -> dict[str, Any]:
    return {**body, "type": "msg"}


# -- stream events ----------------------------------------------------------------------------------------

def _start_zero_input(frame: Frame) -> Frame:
    if not named(frame, "message_start"):
        return frame
    data = data_of(frame)
    message = data["message"] = dict(data["message"])
    message["usage"] = {**message["usage"], "input_tokens": 0}
    return Frame(frame.event, data)


def _stop_index_shifted(frame: Frame) -> Frame:
    if not named(frame, "content_block_stop"):
        return frame
    data = data_of(frame)
    data["index"] += 1
    return Frame(frame.event, data)


def _text_delta_type_wrong(frame: Frame) -> Frame:
    if not named(frame, "content_block_delta"):
        return frame
    data = data_of(frame)
    if data["delta"].get("type") != "text_delta":
        return frame
    data["delta"] = {**data["delta"], "type": "text"}
    return Frame(frame.event, data)


def _no_stop_reason(frame: Frame) -> Frame:
    if not named(frame, "message_delta"):
        return frame
    data = data_of(frame)
    data["delta"] = {**data["delta"], "stop_reason": None}
    return Frame(frame.event, data)


def _no_message_stop(frame: Frame) -> Frame | None:
    return None if named(frame, "message_stop") else frame


class _ErrorNotEvent(StreamPatch):
    """The in-band failure as an unnamed event with an OpenAI-style error object."""

    def error(self, error: GatewayError, frames: list[Frame]) -> list[Frame]:
        unnamed = Frame(None, json.dumps({"error": {"message": error.message, "type": error.type, "code": error.code}}))
        return [unnamed if named(frame, "error") else frame for frame in frames]


def _free_choice_refused(sent: bytes, request: ChatRequest) -> ChatRequest:
    body = json_object(sent) or {}
    choice = body.get("tool_choice")
    if not body.get("tools") and isinstance(choice, dict) and choice.get("type") in ("auto", "none"):
        raise InvalidRequest("tool_choice needs tools.", param="tool_choice")
    return request


_PATCHES = (
    Patch(FREE_CHOICE_REFUSED, request=_free_choice_refused),
    Patch(MAX_TOKENS_NOT_REQUIRED, raw=_max_tokens_defaulted),
    Patch(TEXT_PARTS_GLUED, raw=_texts_glued),
    Patch(TOOL_RESULT_MIXED_REJECTED, request=_mixed_rejected),
    Patch(THINKING_HISTORY_REJECTED, request=_thinking_rejected),
    Patch(STOP_SEQUENCE_IGNORED, request=_stops_ignored),
    Patch(SIGNATURE_REPLACED, body=_own_signatures, stream=drop_events(ReasoningSigned)),
    Patch(THINKING_DROPPED, body=_without_thinking, stream=drop_events(ReasoningDelta)),
    Patch(TEXT_DIFFERS, body=_text_cut),
    Patch(PARALLEL_MERGED, body=_first_tool_use, stream=FirstCallOnly),
    Patch(TYPE_WRONG, body=_type_wrong),
    Patch(START_ZERO_INPUT, stream=map_frames(_start_zero_input)),
    Patch(STOP_INDEX_MISMATCH, stream=map_frames(_stop_index_shifted)),
    Patch(TEXT_DELTA_TYPE_WRONG, stream=map_frames(_text_delta_type_wrong)),
    Patch(DELTA_NO_STOP_REASON, stream=map_frames(_no_stop_reason)),
    Patch(STOP_MISSING, stream=map_frames(_no_message_stop)),
    Patch(ERROR_NOT_EVENT, stream=_ErrorNotEvent),
)
