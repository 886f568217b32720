"""Checks on Anthropic Messages semantics: answers, usage, the named-event stream, tool use, reasoning.

The contract transport has already validated every body and every stream event against its schema;
these checks assert what a schema cannot: the order of events, which block a delta belongs to, the
relations between the stream and the message it builds, and tool inputs against the tool's own schema.
Every function raises :class:`~suites.checks.CheckFailure` naming the rule that broke.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from suites.checks import CheckFailure, collapse_runs, distinct_ids, fail, no_thinking_block, schema_problems
from suites.rules import register_all

__all__ = [
    "ANTHROPIC_ERROR_TYPES",
    "DELTA_FOR_BLOCK",
    "blocks_in_order",
    "event_order",
    "message_answer",
    "message_delta_rules",
    "message_start_rules",
    "no_thinking_markdown",
    "stream_error_event",
    "text_of",
    "thinking_before_text",
    "tool_inputs_valid",
    "tool_uses",
    "usage_positive",
]

register_all("anthropic:messages#response", {
    "message_object": "a /v1/messages answer is an object of type message",
    "messages_assistant_role": "the message's role is assistant",
    "stop_reason": "stop_reason says why generation stopped (end_turn, max_tokens, stop_sequence, tool_use)",
    "text_block": "an answer holds a text block with text",
    "messages_usage_present": "the message carries usage",
    "messages_usage_positive": "input_tokens and output_tokens are > 0",
})
register_all("anthropic:extended-thinking", {
    "thinking_block": "a thinking model's message holds a non-empty thinking block",
    "thinking_before_text": "thinking blocks come before the text",
    "thinking_signature": "every thinking block carries a signature",
})
register_all("decision:D-8", {
    "thinking_history_accepted": "thinking blocks (with their signatures) and redacted_thinking sent back on an "
                                 "assistant tool_use turn are accepted on every model: step 2 of a tool loop works",
})
register_all("anthropic:tool-use", {
    "tool_use_ids_unique": "tool_use ids are distinct non-empty strings",
    "tool_use_known_tool": "a tool_use names a defined tool",
    "tool_use_input_object": "a tool_use input is an object",
    "tool_use_input_schema": "the input validates against the tool's input_schema",
})
register_all("anthropic:messages-streaming", {
    "stream_events_json": "every event's data is JSON",
    "stream_event_name_is_type": "each event's name equals its data's type",
    "messages_stream_not_empty": "a stream carries events besides ping",
    "stream_message_start_first": "message_start comes first",
    "messages_stream_no_error": "a successful stream carries no error event",
    "stream_one_message_start": "one message_start per stream",
    "stream_one_message_delta": "one message_delta per stream",
    "stream_one_message_stop": "one message_stop per stream",
    "stream_message_stop_last": "message_stop is the last event",
    "stream_message_delta_before_stop": "message_delta comes right before message_stop",
    "stream_only_block_events_inside": "between message_start and message_delta only content-block events (and ping)",
    "message_start": "a stream has a message_start event",
    "message_start_empty_content": "message_start's message has content []",
    "message_start_no_stop_reason": "message_start's stop_reason is null",
    "message_start_input_tokens": "message_start's usage.input_tokens is > 0",
    "block_closed_before_next": "a block closes before the next starts",
    "block_index_sequence": "block indexes start at 0 and increase by one",
    "tool_use_starts_empty": "a tool_use block starts with empty input (it arrives as input_json_delta)",
    "delta_of_open_block": "a delta belongs to the open block",
    "delta_type_matches_block": "a delta's type fits its block's type",
    "block_stop_index": "content_block_stop closes the open block",
    "input_json_joins": "input_json_delta fragments join to a JSON object",
    "blocks_closed_before_message_delta": "every block is closed before message_delta",
    "block_closed": "every block gets its content_block_stop",
    "message_delta_stop_reason": "message_delta carries the stop_reason",
    "message_delta_output_tokens": "message_delta's usage.output_tokens is > 0",
    "stream_one_error_event": "a failed stream carries one error event",
    "stream_error_named": "the failure is an `event: error`",
    "stream_error_envelope": "the error event carries Anthropic's error envelope",
    "messages_stream_started": "a failure after the stream started follows message_start",
})
register_all("decision:D-21", {
    "stream_error_last": "the error event ends the stream",
    "stream_error_no_message_stop": "a failed stream sends no message_stop",
})

ANTHROPIC_ERROR_TYPES = {"invalid_request_error", "authentication_error", "billing_error", "permission_error",
                         "not_found_error", "request_too_large", "rate_limit_error", "api_error", "overloaded_error",
                         "timeout_error"}

DELTA_FOR_BLOCK: dict[str, set[str]] = {
    "text": {"text_delta"},
    "tool_use": {"input_json_delta"},
    "thinking": {"thinking_delta", "signature_delta"},
    "redacted_thinking": set(),
}
"""Which ``content_block_delta`` types may follow a ``content_block_start`` of each block type."""


# ----- non-stream messages ---------------------------------------------------------------------------


def text_of(message: Any) -> str:
    """The joined text of a message's ``text`` blocks."""
    return "".join(b.get("text") or "" for b in (message or {}).get("content") or () if b.get("type") == "text")


def tool_uses(message: Any) -> list[dict[str, Any]]:
    return [b for b in (message or {}).get("content") or () if b.get("type") == "tool_use"]


def message_answer(body: Any, model_id: str | None = None, *, stop_reason: str | None = "end_turn",
                   text: bool = True) -> str:
    """An assistant message (echoing ``model_id``) whose ``stop_reason`` is ``stop_reason`` (unless
    None) and, with ``text``, which holds a text block with non-blank text. Returns the joined text."""
    if not isinstance(body, dict) or body.get("type") != "message":
        raise CheckFailure("message_object", f"not a message: {body!r:.300}")
    if body.get("role") != "assistant":
        raise CheckFailure("messages_assistant_role", f"role {body.get('role')!r}")
    if model_id is not None and body.get("model") != model_id:
        fail("model_echoed", f"requested {model_id!r}, the message says {body.get('model')!r}")
    if stop_reason is not None and body.get("stop_reason") != stop_reason:
        raise CheckFailure("stop_reason", f"expected {stop_reason!r}, got {body.get('stop_reason')!r} "
                                          f"(stop_sequence {body.get('stop_sequence')!r})")
    joined = text_of(body)
    if text and not joined.strip():
        kinds = [b.get("type") for b in body.get("content") or ()]
        raise CheckFailure("text_block", f"no text block with text among the content blocks {kinds}")
    return joined


def usage_positive(usage: Any) -> dict[str, Any]:
    """``input_tokens`` > 0 and ``output_tokens`` > 0."""
    if not isinstance(usage, dict):
        raise CheckFailure("messages_usage_present", f"usage is {usage!r:.200}")
    inp, out = usage.get("input_tokens"), usage.get("output_tokens")
    if not (isinstance(inp, int) and inp > 0 and isinstance(out, int) and out > 0):
        raise CheckFailure("messages_usage_positive", f"input_tokens {inp!r}, output_tokens {out!r}: both must be > 0")
    return usage


def no_thinking_markdown(text: str) -> None:
    """D-8: /v1/messages reports reasoning as ``thinking`` blocks; the text carries no "Thinking…" block."""
    no_thinking_block(text, "the text")


def thinking_before_text(content: Sequence[dict[str, Any]]) -> str:
    """At least one non-empty ``thinking`` block (with a signature), every one of them before the first
    ``text`` block, and a non-empty text after them. Returns the joined thinking."""
    kinds = [b.get("type") for b in content]
    thinking = [(i, b) for i, b in enumerate(content) if b.get("type") == "thinking"]
    if not thinking or not any((b.get("thinking") or "").strip() for _, b in thinking):
        raise CheckFailure("thinking_block", f"no thinking block with text among the content blocks {kinds}")
    first_text = next((i for i, k in enumerate(kinds) if k == "text"), None)
    if first_text is None or not "".join(b.get("text") or "" for b in content if b.get("type") == "text").strip():
        raise CheckFailure("text_block", f"no text after the thinking: content blocks {kinds}")
    if any(i > first_text for i, _ in thinking):
        raise CheckFailure("thinking_before_text", f"a thinking block follows the text: content blocks {kinds}")
    for _, b in thinking:
        if not isinstance(b.get("signature"), str) or not b["signature"]:
            raise CheckFailure("thinking_signature", f"a thinking block without a signature: {b!r:.200}")
    return "".join(b.get("thinking") or "" for _, b in thinking)


def tool_inputs_valid(blocks: Sequence[dict[str, Any]], tools: Sequence[dict[str, Any]]) -> None:
    """Each ``tool_use`` block has a unique non-empty id, names a defined tool, and its ``input`` is an
    object that validates against that tool's ``input_schema``."""
    schemas = {t["name"]: t.get("input_schema") or {} for t in tools}
    ids = [b.get("id") for b in blocks]
    if not distinct_ids(ids):
        raise CheckFailure("tool_use_ids_unique", f"tool_use ids must be distinct non-empty strings: {ids}")
    for block in blocks:
        name = block.get("name")
        if name not in schemas:
            raise CheckFailure("tool_use_known_tool", f"tool_use of {name!r}, defined: {sorted(schemas)}")
        value = block.get("input")
        if not isinstance(value, dict):
            raise CheckFailure("tool_use_input_object", f"{name} input is not an object: {value!r:.200}")
        problems = schema_problems(schemas[name], value)
        if problems:
            raise CheckFailure("tool_use_input_schema", f"{name} input {value!r:.200} breaks the tool's input_schema: "
                                                        f"{problems[:3]}")


# ----- streams ---------------------------------------------------------------------------------------


def _kinds(payloads: Sequence[dict[str, Any]]) -> list[str]:
    return [str(p.get("type")) for p in payloads]


def event_order(names: Sequence[str], payloads: Sequence[dict[str, Any]]) -> None:
    """Each event's name equals its data's ``type``; ``message_start`` first, then content-block events,
    then one ``message_delta`` and ``message_stop`` last, with nothing after it (``ping`` anywhere)."""
    kinds = _kinds(payloads)
    if len(names) != len(payloads):
        raise CheckFailure("stream_events_json", f"{len(names)} events but {len(payloads)} JSON payloads")
    mismatched = [(i, n, k) for i, (n, k) in enumerate(zip(names, kinds, strict=True)) if n != k]
    if mismatched:
        raise CheckFailure("stream_event_name_is_type", f"event name != data.type (index, name, type): {mismatched[:5]}")
    order = [k for k in kinds if k != "ping"]
    if not order:
        raise CheckFailure("messages_stream_not_empty", "the stream carried no events besides ping")
    if order[0] != "message_start":
        raise CheckFailure("stream_message_start_first", f"the first event is {order[0]!r}, not message_start")
    if "error" in order:
        raise CheckFailure("messages_stream_no_error", f"a successful stream carries an error event: {payloads[kinds.index('error')]!r:.300}")
    for once in ("message_start", "message_delta", "message_stop"):
        if order.count(once) != 1:
            raise CheckFailure(f"stream_one_{once}", f"{order.count(once)} {once} events (sequence {_short(order)})")
    if order[-1] != "message_stop":
        after = order[order.index("message_stop") + 1:]
        raise CheckFailure("stream_message_stop_last", f"events after message_stop: {after[:5]}")
    if order[-2] != "message_delta":
        raise CheckFailure("stream_message_delta_before_stop", f"message_stop follows {order[-2]!r}, not message_delta "
                                                               f"(sequence {_short(order)})")
    unknown = sorted({k for k in order[1:-2] if not k.startswith("content_block_")})
    if unknown:
        raise CheckFailure("stream_only_block_events_inside", f"unexpected events between message_start and "
                                                              f"message_delta: {unknown}")


def _short(order: Sequence[str]) -> str:
    return collapse_runs(order, 400)


def message_start_rules(payloads: Sequence[dict[str, Any]], model_id: str | None = None) -> dict[str, Any]:
    """``message_start``: the message has ``content == []``, ``stop_reason`` null, role assistant, the
    requested model and ``usage.input_tokens`` > 0 (an estimate is allowed, D-29). Returns the message."""
    starts = [p for p in payloads if p.get("type") == "message_start"]
    if not starts:
        raise CheckFailure("message_start", "no message_start event")
    message = starts[0].get("message") or {}
    if message.get("content") != []:
        raise CheckFailure("message_start_empty_content", f"message_start content is {message.get('content')!r:.200}")
    if message.get("stop_reason") is not None:
        raise CheckFailure("message_start_no_stop_reason", f"message_start stop_reason is {message.get('stop_reason')!r}")
    if message.get("role") != "assistant":
        raise CheckFailure("messages_assistant_role", f"message_start role {message.get('role')!r}")
    if model_id is not None and message.get("model") != model_id:
        fail("model_echoed", f"requested {model_id!r}, message_start says {message.get('model')!r}")
    inp = (message.get("usage") or {}).get("input_tokens")
    if not isinstance(inp, int) or inp <= 0:
        raise CheckFailure("message_start_input_tokens", f"message_start usage.input_tokens is {inp!r}, must be > 0")
    return message


def blocks_in_order(payloads: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Content blocks open and close in order and carry only their own deltas; returns the blocks built.

    Indexes start at 0 and increase by one; every ``content_block_start`` is followed by deltas of the
    same index and exactly one ``content_block_stop`` of that index before the next block starts; each
    delta's type matches its block's type; streamed ``input_json_delta`` fragments join to a JSON object.
    """
    blocks: list[dict[str, Any]] = []
    fragments: list[str] = []
    open_index: int | None = None
    for n, p in enumerate(payloads):
        kind = p.get("type")
        if kind == "content_block_start":
            index = p.get("index")
            if open_index is not None:
                raise CheckFailure("block_closed_before_next", f"event {n}: block {index} starts while block {open_index} "
                                                               f"is still open (no content_block_stop)")
            if index != len(blocks):
                raise CheckFailure("block_index_sequence", f"event {n}: content_block_start index {index}, expected "
                                                           f"{len(blocks)} (indexes start at 0 and increase by one)")
            start = dict(p.get("content_block") or {})
            if start.get("type") == "tool_use" and start.get("input") not in ({}, None):
                raise CheckFailure("tool_use_starts_empty", f"event {n}: a tool_use block starts with input "
                                                            f"{start.get('input')!r:.200}; it arrives as input_json_delta")
            blocks.append(start)
            fragments.append("")
            open_index = index
        elif kind == "content_block_delta":
            index, delta = p.get("index"), p.get("delta") or {}
            if open_index is None or index != open_index:
                raise CheckFailure("delta_of_open_block", f"event {n}: a delta for block {index} while "
                                                          f"{'no block' if open_index is None else f'block {open_index}'} is open")
            block = blocks[index]
            allowed = DELTA_FOR_BLOCK.get(str(block.get("type")), set())
            if delta.get("type") not in allowed:
                raise CheckFailure("delta_type_matches_block", f"event {n}: {delta.get('type')!r} in a {block.get('type')!r} "
                                                               f"block (allowed: {sorted(allowed)})")
            if delta["type"] == "text_delta":
                block["text"] = (block.get("text") or "") + str(delta.get("text") or "")
            elif delta["type"] == "thinking_delta":
                block["thinking"] = (block.get("thinking") or "") + str(delta.get("thinking") or "")
            elif delta["type"] == "signature_delta":
                block["signature"] = str(delta.get("signature") or "")
            elif delta["type"] == "input_json_delta":
                fragments[index] += str(delta.get("partial_json") or "")
        elif kind == "content_block_stop":
            index = p.get("index")
            if open_index is None or index != open_index:
                raise CheckFailure("block_stop_index", f"event {n}: content_block_stop index {index}, but the open block is "
                                                       f"{open_index}")
            block = blocks[index]
            if block.get("type") == "tool_use":
                raw = fragments[index]
                try:
                    value = json.loads(raw) if raw.strip() else {}
                except json.JSONDecodeError as exc:
                    raise CheckFailure("input_json_joins", f"block {index}: the input_json_delta fragments do not join to "
                                                           f"JSON ({exc}): {raw!r:.300}") from None
                if not isinstance(value, dict):
                    raise CheckFailure("input_json_joins", f"block {index}: the joined input is not an object: {raw!r:.200}")
                block["input"] = value
            if block.get("type") == "thinking" and not block.get("signature"):
                raise CheckFailure("thinking_signature", f"block {index}: a thinking block closes without a "
                                                         f"signature_delta (D-29)")
            open_index = None
        elif kind in ("message_delta", "message_stop") and open_index is not None:
            raise CheckFailure("blocks_closed_before_message_delta", f"event {n}: {kind} while block {open_index} is open")
    if open_index is not None:
        raise CheckFailure("block_closed", f"block {open_index} never got its content_block_stop")
    return blocks


def message_delta_rules(payloads: Sequence[dict[str, Any]], expected: str | None = None) -> dict[str, Any]:
    """Exactly one ``message_delta``, with a non-null ``stop_reason`` (``expected`` if given) and a
    cumulative ``usage.output_tokens`` > 0. Returns the event."""
    deltas = [p for p in payloads if p.get("type") == "message_delta"]
    if len(deltas) != 1:
        raise CheckFailure("stream_one_message_delta", f"{len(deltas)} message_delta events, expected exactly one")
    event = deltas[0]
    reason = (event.get("delta") or {}).get("stop_reason")
    if reason is None:
        raise CheckFailure("message_delta_stop_reason", f"message_delta carries no stop_reason: {event!r:.300}")
    if expected is not None and reason != expected:
        raise CheckFailure("stop_reason", f"expected stop_reason {expected!r}, message_delta says {reason!r}")
    out = (event.get("usage") or {}).get("output_tokens")
    if not isinstance(out, int) or out <= 0:
        raise CheckFailure("message_delta_output_tokens", f"message_delta usage.output_tokens is {out!r}, must be > 0")
    return event


def stream_error_event(names: Sequence[str], payloads: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """A failure after the stream started: ``message_start`` first, then exactly one ``event: error``
    whose data is the Anthropic error envelope, as the last event; no ``message_stop`` (D-21)."""
    if not payloads or payloads[0].get("type") != "message_start":
        raise CheckFailure("messages_stream_started", f"the stream did not start with message_start: {names[:3]}")
    errors = [i for i, (n, p) in enumerate(zip(names, payloads, strict=False)) if n == "error" or p.get("type") == "error"
              or "error" in p]
    if len(errors) != 1:
        raise CheckFailure("stream_one_error_event", f"expected exactly one error event, got {len(errors)} "
                                                     f"(events: {_short(list(names))})")
    where = errors[0]
    if where != len(payloads) - 1:
        fail("stream_error_last", f"{len(payloads) - 1 - where} event(s) after the error: "
                                                f"{list(names[where + 1:])[:5]}")
    if names[where] != "error":
        raise CheckFailure("stream_error_named", f"the failure is not an `event: error` (event name {names[where]!r}): "
                                                 f"{payloads[where]!r:.300}")
    body = payloads[where]
    error = body.get("error")
    if body.get("type") != "error" or not isinstance(error, dict) or error.get("type") not in ANTHROPIC_ERROR_TYPES \
            or not isinstance(error.get("message"), str) or not error["message"]:
        raise CheckFailure("stream_error_envelope", f"the error event is not the Anthropic envelope "
                                                    f"{{type: error, error: {{type, message}}}}: {body!r:.300}")
    if "message_stop" in names or any(p.get("type") == "message_stop" for p in payloads):
        fail("stream_error_no_message_stop", "a failed stream also sent message_stop")
    return error
