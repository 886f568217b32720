"""Checks on OpenAI Responses semantics: the Response object, usage, the event stream, function calls.

The contract transport has already validated every body and every stream event against its schema;
these checks assert what a schema cannot: the order of events per output item, sequence numbers, that
the ``.done`` events and the final response carry what the deltas built, and function-call arguments
against the tool's own schema (D-17, D-18). Every function raises :class:`~suites.checks.CheckFailure`.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from suites.checks import (
    CheckFailure,
    collapse_runs,
    distinct_ids,
    fail,
    holds,
    no_thinking_block,
    schema_problems,
)
from suites.rules import register, register_all

__all__ = [
    "LIFECYCLE_FIELDS",
    "RESPONSE_FIELDS",
    "TERMINAL",
    "built_output",
    "call_ids_not_item_ids",
    "event_sequence",
    "final_matches_events",
    "function_calls",
    "function_calls_valid",
    "message_text",
    "no_thinking_markdown",
    "reasoning_before_message",
    "reasoning_summary",
    "response_answer",
    "response_complete",
    "sequence_numbers",
    "stream_failed",
    "usage_adds_up",
]

register_all("openai:responses-object", {
    "response_object": "a /v1/responses answer is an object of type response",
    "response_status": "the response's status is the expected one (completed, incomplete)",
    "completed_not_incomplete": "a completed response has no incomplete_details",
    "incomplete_details": "an incomplete response says why in incomplete_details.reason",
    "message_item": "an answer holds a message output item",
    "message_output_text": "the message item holds output_text",
    "output_text_joined": "output_text is the message's text",
    "responses_usage_present": "the response carries usage",
    "responses_usage_counts": "input, output and total tokens are integers",
    "responses_usage_total": "total_tokens = input_tokens + output_tokens",
    "responses_usage_positive": "input_tokens and output_tokens are > 0",
    "cached_within_input": "cached_tokens are part of input_tokens",
    "reasoning_within_output": "reasoning_tokens are part of output_tokens",
    "reasoning_item": "a reasoning model's output holds a reasoning item",
    "reasoning_before_message": "the reasoning item comes before the message",
    "response_fields_complete": "a Response carries every field of the OpenAI Response object and of the Open "
                                "Responses ResponseResource, each of its type (settings as numbers, never null)",
    "response_settings_echoed": "the Response echoes the settings sent (temperature, top_p, penalties, limits, "
                                "tool_choice, metadata, user, prompt_cache_key, safety_identifier)",
    "stream_responses_complete": "response.created, response.in_progress and the terminal event carry the same "
                                 "complete object",
})
register_all("openai:reasoning-summaries", {
    "reasoning_summary_text": "with reasoning.summary requested, the reasoning item's summary holds summary_text parts",
    "summary_event_order": "a summary streams as reasoning_summary_part.added → reasoning_summary_text.delta+ → "
                           "reasoning_summary_text.done → reasoning_summary_part.done",
})
register_all("openai:function-calling#responses", {
    "call_ids_unique": "function_call call_ids are distinct non-empty strings",
    "function_call_known": "a function_call names a defined function",
    "function_call_arguments_json": "arguments is a string holding a JSON object",
    "function_call_arguments_schema": "the arguments validate against the function's parameters schema",
    "call_id_not_item_id": "a function_call's call_id is distinct from its item id",
    "returned_items_round_trip": "the output items returned, sent back as input with function_call_output items "
                                 "answering their call_ids, are accepted and answered",
})
register_all("openai:responses-streaming", {
    "sequence_number_present": "every event has an integer sequence_number",
    "sequence_number_increases": "sequence_number increases by one",
    "responses_stream_not_empty": "a stream carries events",
    "stream_created_in_progress_first": "response.created, then response.in_progress, come first",
    "stream_created_once": "one response.created per stream",
    "responses_stream_no_error": "a successful stream carries no error event",
    "stream_terminal_last": "the terminal event ends the stream",
    "stream_one_terminal_event": "exactly one terminal event",
    "output_index_sequence": "output items are added at indexes 0, 1, …",
    "event_of_added_item": "an item's events follow its output_item.added",
    "event_item_id": "an event's item_id is its item's id",
    "event_fits_item": "an event type fits its item's type",
    "item_event_order": "an item's events come in the documented order",
    "nothing_after_item_done": "no event of an item follows its output_item.done",
    "items_done_before_terminal": "every item is done before the terminal event",
    "done_carries_full_text": "a .done event's text is the joined deltas",
    "done_carries_full_arguments": "function_call_arguments.done carries the joined deltas",
    "item_done_carries_full_text": "output_item.done carries the full text",
    "item_done_carries_full_arguments": "output_item.done carries the full arguments",
    "final_output_matches_events": "the terminal response's output is what the events built",
    "responses_stream_started": "a failed stream started with response.created",
    "failed_not_completed": "a failed stream reports no success",
    "failed_response_error": "response.failed carries status failed and an error",
})
register_all("decision:D-17", {
    "reasoning_summary_empty": "without reasoning.summary, the reasoning item's summary is [] (the raw reasoning "
                               "is in content)",
    "reasoning_text": "reasoning arrives as reasoning_text content parts",
    "sequence_number_start": "sequence_number starts at 0",
    "stream_ends_response_failed": "a failure after the stream started ends with response.failed",
    "error_then_failed": "at most one error event, right before response.failed",
})

register("store_echo", "openai:responses-object#store",
         "store echoes the value used: true unless the request said false (D-53)")
register_all("decision:D-41", {
    "summary_is_reasoning": "the requested summary carries the reasoning text itself (the upstreams summarise nothing)",
})

TERMINAL = ("response.completed", "response.incomplete", "response.failed")
RESPONSE_FIELDS = (
    "id", "object", "created_at", "completed_at", "status", "incomplete_details", "model", "previous_response_id",
    "instructions", "output", "error", "tools", "tool_choice", "truncation", "parallel_tool_calls", "text", "top_p",
    "presence_penalty", "frequency_penalty", "top_logprobs", "temperature", "reasoning", "user", "usage",
    "max_output_tokens", "max_tool_calls", "store", "background", "service_tier", "metadata", "safety_identifier",
    "prompt_cache_key",
)
"""The fields the Open Responses ``ResponseResource`` requires (a superset of the OpenAI SDK's required ones)."""
LIFECYCLE_FIELDS = frozenset({"id", "created_at", "completed_at", "status", "output", "usage", "error",
                              "incomplete_details"})
"""The fields that change while a response runs; the others are its settings, the same in every event."""
_NUMBERS = ("temperature", "top_p", "presence_penalty", "frequency_penalty")
_ECHOED = ("temperature", "top_p", "presence_penalty", "frequency_penalty", "max_output_tokens", "max_tool_calls",
           "user", "prompt_cache_key", "safety_identifier", "instructions")


# ----- the Response object ---------------------------------------------------------------------------


def message_text(response: Any) -> str:
    """The joined ``output_text`` of the response's ``message`` items."""
    return "".join(part.get("text") or "" for item in (response or {}).get("output") or () if item.get("type") == "message"
                   for part in item.get("content") or () if part.get("type") == "output_text")


def function_calls(response: Any) -> list[dict[str, Any]]:
    return [item for item in (response or {}).get("output") or () if item.get("type") == "function_call"]


def response_answer(body: Any, model_id: str | None = None, *, status: str | None = "completed",
                    text: bool = True) -> str:
    """A Response (echoing ``model_id``) with ``status`` (unless None) and, with ``text``, a ``message``
    output item holding non-blank ``output_text``. ``output_text``, when present, is the joined text;
    ``completed`` has no ``incomplete_details``; ``incomplete`` names its reason. Returns the text."""
    if not isinstance(body, dict) or body.get("object") != "response":
        raise CheckFailure("response_object", f"not a response: {body!r:.300}")
    if model_id is not None and body.get("model") != model_id:
        fail("model_echoed", f"requested {model_id!r}, the response says {body.get('model')!r}")
    if status is not None and body.get("status") != status:
        raise CheckFailure("response_status", f"expected status {status!r}, got {body.get('status')!r} "
                                              f"(incomplete_details {body.get('incomplete_details')!r}, error {body.get('error')!r})")
    if body.get("status") == "completed" and body.get("incomplete_details") is not None:
        raise CheckFailure("completed_not_incomplete", f"status completed with incomplete_details {body['incomplete_details']!r}")
    if body.get("status") == "incomplete" and not (body.get("incomplete_details") or {}).get("reason"):
        raise CheckFailure("incomplete_details", f"status incomplete without incomplete_details.reason: "
                                                 f"{body.get('incomplete_details')!r}")
    joined = message_text(body)
    if text and not joined.strip():
        kinds = [i.get("type") for i in body.get("output") or ()]
        raise CheckFailure("message_output_text", f"no message item with output_text among the output items {kinds}")
    if isinstance(body.get("output_text"), str) and body["output_text"] != joined:
        raise CheckFailure("output_text_joined", f"output_text {body['output_text']!r:.120} != the joined output_text "
                                                 f"parts {joined!r:.120}")
    return joined


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def response_complete(body: Any, sent: dict[str, Any]) -> None:
    """Every field of :data:`RESPONSE_FIELDS` is present with its type; the settings in ``sent`` (the
    request body) are echoed; ``store`` is false (D-40)."""
    if not isinstance(body, dict):
        raise CheckFailure("response_object", f"not a response: {body!r:.300}")
    missing = [k for k in RESPONSE_FIELDS if k not in body]
    if missing:
        raise CheckFailure("response_fields_complete", f"the Response lacks {missing}")
    typed = {
        **{k: _is_number(body[k]) for k in _NUMBERS},
        "top_logprobs": isinstance(body["top_logprobs"], int) and not isinstance(body["top_logprobs"], bool),
        "store": isinstance(body["store"], bool), "background": isinstance(body["background"], bool),
        "parallel_tool_calls": isinstance(body["parallel_tool_calls"], bool),
        "truncation": body["truncation"] in ("auto", "disabled"),
        "service_tier": isinstance(body["service_tier"], str), "tools": isinstance(body["tools"], list),
        "metadata": isinstance(body["metadata"], dict), "text": isinstance(body["text"], dict),
        "created_at": isinstance(body["created_at"], int) and not isinstance(body["created_at"], bool),
    }
    wrong = {k: body[k] for k, ok in typed.items() if not ok}
    if wrong:
        raise CheckFailure("response_fields_complete", f"fields of the wrong type (or null): {wrong}")
    echoed = {k: (sent.get(k), body[k]) for k in _ECHOED if k in sent and sent[k] != body[k]}
    if sent.get("metadata") and body["metadata"] != sent["metadata"]:
        echoed["metadata"] = (sent["metadata"], body["metadata"])
    if body["tool_choice"] != sent.get("tool_choice", "auto"):
        echoed["tool_choice"] = (sent.get("tool_choice", "auto"), body["tool_choice"])
    if echoed:
        raise CheckFailure("response_settings_echoed", f"(sent, echoed) differ: {echoed}")
    used = sent.get("store") is not False
    holds("store_echo", body["store"] is used, f"store is {body['store']!r}, but the request's store was "
                                               f"{sent.get('store', 'absent (default true)')!r}")


def reasoning_summary(output: Sequence[dict[str, Any]]) -> str:
    """The reasoning item's ``summary`` holds ``summary_text`` parts with text, and (D-41) their text is the
    reasoning ``content``'s. Returns the summary."""
    items = [i for i in output if i.get("type") == "reasoning"]
    if not items:
        raise CheckFailure("reasoning_item", f"no reasoning item among {[i.get('type') for i in output]}")
    summary = items[0].get("summary") or []
    text = "".join(p.get("text") or "" for p in summary if p.get("type") == "summary_text")
    if not text.strip() or any(p.get("type") != "summary_text" for p in summary):
        raise CheckFailure("reasoning_summary_text", f"reasoning.summary was requested; summary is {summary!r:.300}")
    content = "".join(p.get("text") or "" for p in items[0].get("content") or ())
    holds("summary_is_reasoning", text == content, f"summary {text!r:.120} != the reasoning {content!r:.120}")
    return text


def call_ids_not_item_ids(calls: Sequence[dict[str, Any]]) -> None:
    """Each ``function_call`` item's ``call_id`` differs from its ``id`` (and from every item id)."""
    ids = {c.get("id") for c in calls}
    same = [c.get("call_id") for c in calls if c.get("call_id") in ids or not c.get("id")]
    if same:
        raise CheckFailure("call_id_not_item_id", f"call_id values that are item ids: {same} (items "
                                                  f"{[(c.get('id'), c.get('call_id')) for c in calls]})")


def usage_adds_up(usage: Any, *, positive: bool = True) -> dict[str, Any]:
    """``total_tokens == input_tokens + output_tokens``, counts > 0, cached ≤ input, reasoning ≤ output."""
    if not isinstance(usage, dict):
        raise CheckFailure("responses_usage_present", f"usage is {usage!r:.200}")
    inp, out, total = usage.get("input_tokens"), usage.get("output_tokens"), usage.get("total_tokens")
    if not all(isinstance(v, int) for v in (inp, out, total)):
        raise CheckFailure("responses_usage_counts", f"non-integer counts in {usage}")
    assert isinstance(inp, int) and isinstance(out, int) and isinstance(total, int)
    if total != inp + out:
        raise CheckFailure("responses_usage_total", f"total_tokens {total} != input_tokens {inp} + output_tokens {out}")
    if positive and (inp <= 0 or out <= 0):
        raise CheckFailure("responses_usage_positive", f"input_tokens {inp}, output_tokens {out}: both must be > 0")
    cached = (usage.get("input_tokens_details") or {}).get("cached_tokens") or 0
    reasoning = (usage.get("output_tokens_details") or {}).get("reasoning_tokens") or 0
    if cached > inp:
        raise CheckFailure("cached_within_input", f"cached_tokens {cached} > input_tokens {inp}")
    if reasoning > out:
        raise CheckFailure("reasoning_within_output", f"reasoning_tokens {reasoning} > output_tokens {out}")
    return usage


def no_thinking_markdown(text: str) -> None:
    """D-8: /v1/responses reports reasoning as a ``reasoning`` item; the text carries no "Thinking…" block."""
    no_thinking_block(text, "output_text")


def reasoning_before_message(output: Sequence[dict[str, Any]], *, summarized: bool = False) -> str:
    """A ``reasoning`` item with non-empty ``reasoning_text`` content comes before the first ``message``
    item (which has text); ``summary`` is ``[]`` (D-17). Returns the reasoning text."""
    kinds = [i.get("type") for i in output]
    if "reasoning" not in kinds:
        raise CheckFailure("reasoning_item", f"no reasoning item among the output items {kinds}")
    if "message" not in kinds:
        raise CheckFailure("message_item", f"no message item after the reasoning: output items {kinds}")
    if kinds.index("reasoning") > kinds.index("message"):
        raise CheckFailure("reasoning_before_message", f"the reasoning item follows the message: {kinds}")
    item = output[kinds.index("reasoning")]
    text = "".join(p.get("text") or "" for p in item.get("content") or () if p.get("type") == "reasoning_text")
    if not text.strip():
        fail("reasoning_text", f"the reasoning item has no reasoning_text: {item!r:.300}")
    if item.get("summary") not in ([], None) and not summarized:
        fail("reasoning_summary_empty", f"summary should be [] (raw reasoning is in content, D-17): "
                                                      f"{item.get('summary')!r:.200}")
    return text


def function_calls_valid(calls: Sequence[dict[str, Any]], tools: Sequence[dict[str, Any]]) -> None:
    """Each ``function_call`` item has a unique ``call_id``, names a defined function, and its
    ``arguments`` parse as a JSON object that validates against the function's ``parameters``."""
    schemas = {t["name"]: t.get("parameters") or {} for t in tools}
    call_ids = [c.get("call_id") for c in calls]
    if not distinct_ids(call_ids):
        raise CheckFailure("call_ids_unique", f"call_id values must be distinct non-empty strings: {call_ids}")
    for call in calls:
        name = call.get("name")
        if name not in schemas:
            raise CheckFailure("function_call_known", f"call to {name!r}, defined: {sorted(schemas)}")
        raw = call.get("arguments")
        try:
            value = json.loads(raw) if isinstance(raw, str) and raw.strip() else {}
        except json.JSONDecodeError as exc:
            raise CheckFailure("function_call_arguments_json", f"{name} arguments do not parse ({exc}): {raw!r:.300}") from None
        if not isinstance(raw, str) or not isinstance(value, dict):
            raise CheckFailure("function_call_arguments_json", f"{name} arguments are not a JSON object string: {raw!r:.200}")
        problems = schema_problems(schemas[name], value)
        if problems:
            raise CheckFailure("function_call_arguments_schema", f"{name} arguments {raw!r:.200} break the function's "
                                                                 f"parameters: {problems[:3]}")


# ----- streams ---------------------------------------------------------------------------------------


def sequence_numbers(payloads: Sequence[dict[str, Any]]) -> int:
    """Every event carries an integer ``sequence_number``; they start at 0 (or 1) and increase by one.
    Returns the first one, so a caller can hold several streams to the same start."""
    numbers = [p.get("sequence_number") for p in payloads]
    if not numbers:
        raise CheckFailure("responses_stream_not_empty", "the stream carried no events")
    bad = [(i, n) for i, n in enumerate(numbers) if isinstance(n, bool) or not isinstance(n, int)]
    if bad:
        raise CheckFailure("sequence_number_present", f"events without an integer sequence_number (index, value): {bad[:5]}")
    if numbers[0] not in (0, 1):
        fail("sequence_number_start", f"the first sequence_number is {numbers[0]}, expected 0 (D-17)")
    for i in range(1, len(numbers)):
        if numbers[i] != numbers[i - 1] + 1:  # type: ignore[operator]
            raise CheckFailure("sequence_number_increases", f"event {i} ({payloads[i].get('type')}) has sequence_number "
                                                            f"{numbers[i]} after {numbers[i - 1]}: they must increase by one")
    first = numbers[0]
    return first if isinstance(first, int) else 0


_SUMMARY_EVENTS = ("response.reasoning_summary_part.added", "response.reasoning_summary_text.delta",
                   "response.reasoning_summary_text.done", "response.reasoning_summary_part.done")
_ITEM_EVENTS = {
    "message": ("response.content_part.added", "response.output_text.delta", "response.output_text.done",
                "response.content_part.done"),
    "function_call": ("response.function_call_arguments.delta", "response.function_call_arguments.done"),
    "reasoning": ("response.content_part.added", "response.reasoning_text.delta", "response.reasoning_text.done",
                  "response.content_part.done", *_SUMMARY_EVENTS),
}


def _compact(kinds: Sequence[str]) -> str:
    return collapse_runs([k.removeprefix("response.") for k in kinds], 500)


def _summary_lifecycle(events: Sequence[str], index: int) -> None:
    """A reasoning item's summary events, if any: part.added → text.delta+ → text.done → part.done."""
    if not events:
        return
    added, delta, done, part_done = _SUMMARY_EVENTS
    body = list(events)
    if body[:1] != [added] or body[-2:] != [done, part_done] or len(body) < 4 \
            or any(e != delta for e in body[1:-2]):
        raise CheckFailure("summary_event_order", f"output item {index}: summary events {_compact(body)}")


def _item_lifecycle(kind: str, events: Sequence[str], index: int, *, carries: bool) -> None:
    """The events of one output item, ``output_item.added`` and ``.done`` excluded, in their order; an
    item that ``carries`` text (arguments) got it through at least one delta."""
    if kind == "message":
        expected_head, delta, done = ["response.content_part.added"], "response.output_text.delta", \
            ["response.output_text.done", "response.content_part.done"]
    elif kind == "function_call":
        expected_head, delta, done = [], "response.function_call_arguments.delta", ["response.function_call_arguments.done"]
    elif kind == "reasoning":
        _summary_lifecycle([e for e in events if e in _SUMMARY_EVENTS], index)
        events = [e for e in events if e not in _SUMMARY_EVENTS]
        head = ["response.content_part.added"] if events[:1] == ["response.content_part.added"] else []
        tail = ["response.reasoning_text.done"] + (["response.content_part.done"] if head else [])
        expected_head, delta, done = head, "response.reasoning_text.delta", tail
    else:
        return
    body = list(events)
    ok = body[:len(expected_head)] == expected_head and body[len(body) - len(done):] == done
    middle = body[len(expected_head):len(body) - len(done)] if ok else []
    if not ok or any(e != delta for e in middle) or (carries and not middle):
        shape = " → ".join([*expected_head, f"{delta}{'+' if carries else '*'}", *done])
        raise CheckFailure("item_event_order", f"output item {index} ({kind}): events {_compact(body)}; expected "
                                               f"output_item.added → {shape.replace('response.', '')} → output_item.done")


def event_sequence(payloads: Sequence[dict[str, Any]], *, terminal: str = "response.completed") -> None:
    """``response.created`` first, ``response.in_progress`` second, then the item events, and exactly one
    terminal event (``terminal``), last. Output indexes start at 0 and increase by one as items are
    added; each item's events go ``output_item.added`` → its part/delta/done events → ``output_item.done``
    (a text item: ``content_part.added`` → ``output_text.delta``+ → ``output_text.done`` →
    ``content_part.done``), with the item's id and output index throughout."""
    kinds = [str(p.get("type")) for p in payloads]
    if len(kinds) < 3 or kinds[0] != "response.created" or kinds[1] != "response.in_progress":
        raise CheckFailure("stream_created_in_progress_first", f"the stream must open with response.created then "
                                                               f"response.in_progress: {_compact(kinds[:4])}")
    terminals = [i for i, k in enumerate(kinds) if k in TERMINAL]
    if len(terminals) != 1:
        raise CheckFailure("stream_one_terminal_event", f"{len(terminals)} terminal events (completed/incomplete/failed): "
                                                        f"{_compact(kinds)}")
    if kinds[-1] != terminal:
        raise CheckFailure("stream_terminal_last", f"the last event is {kinds[-1]!r}, expected {terminal!r}: "
                                                   f"…{_compact(kinds[-4:])}")
    if "error" in kinds:
        raise CheckFailure("responses_stream_no_error", f"a successful stream carries an error event: {payloads[kinds.index('error')]!r:.300}")
    repeated = [k for k in ("response.created", "response.in_progress") if kinds.count(k) != 1]
    if repeated:
        raise CheckFailure("stream_created_once", f"{repeated} sent more than once")
    items: list[dict[str, Any]] = []
    events: dict[int, list[str]] = {}
    done: set[int] = set()
    for n, p in enumerate(payloads[2:-1], start=2):
        kind = kinds[n]
        index = p.get("output_index")
        if kind == "response.output_item.added":
            if index != len(items):
                raise CheckFailure("output_index_sequence", f"event {n}: output_item.added at output_index {index}, "
                                                            f"expected {len(items)}")
            items.append(p.get("item") or {})
            events[index] = []
            continue
        if not isinstance(index, int) or index >= len(items):
            raise CheckFailure("event_of_added_item", f"event {n}: {kind} for output_index {index} before its "
                                                      f"output_item.added")
        if index in done:
            raise CheckFailure("nothing_after_item_done", f"event {n}: {kind} for output_index {index} after its "
                                                          f"output_item.done")
        item = items[index]
        if "item_id" in p and p["item_id"] != item.get("id"):
            raise CheckFailure("event_item_id", f"event {n}: {kind} carries item_id {p['item_id']!r}, but output_index "
                                                f"{index} is item {item.get('id')!r}")
        if kind == "response.output_item.done":
            if (p.get("item") or {}).get("id") != item.get("id"):
                raise CheckFailure("event_item_id", f"event {n}: output_item.done of item {(p.get('item') or {}).get('id')!r}"
                                                    f" at output_index {index}, which is item {item.get('id')!r}")
            final = p.get("item") or {}
            carries = bool(_essence(final).get("text") or final.get("arguments")) or final.get("type") == "message"
            _item_lifecycle(str(item.get("type")), events[index], index, carries=carries)
            done.add(index)
            continue
        allowed = _ITEM_EVENTS.get(str(item.get("type")), ())
        if kind not in allowed:
            raise CheckFailure("event_fits_item", f"event {n}: {kind} for a {item.get('type')!r} item")
        events[index].append(kind)
    open_items = sorted(set(range(len(items))) - done)
    if open_items:
        raise CheckFailure("items_done_before_terminal", f"output items {open_items} never got output_item.done")


def built_output(payloads: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """The output items the events build, checking on the way that every ``.done`` event carries what its
    deltas built: ``output_text.done.text`` and ``reasoning_text.done.text`` equal their joined deltas,
    ``function_call_arguments.done.arguments`` equals the joined argument deltas, and
    ``output_item.done`` carries that text (arguments). Returns the items of ``output_item.done``."""
    pieces: dict[tuple[int, str], list[str]] = {}
    out: dict[int, dict[str, Any]] = {}
    for n, p in enumerate(payloads):
        kind = p.get("type")
        index = p.get("output_index")
        if not isinstance(index, int):
            continue
        if kind in ("response.output_text.delta", "response.reasoning_text.delta", "response.function_call_arguments.delta",
                    "response.reasoning_summary_text.delta"):
            pieces.setdefault((index, str(kind).rsplit(".", 1)[0]), []).append(str(p.get("delta") or ""))
        elif kind in ("response.output_text.done", "response.reasoning_text.done", "response.reasoning_summary_text.done"):
            joined = "".join(pieces.get((index, str(kind).rsplit(".", 1)[0]), []))
            if p.get("text") != joined:
                raise CheckFailure("done_carries_full_text", f"event {n}: {kind} text {p.get('text')!r:.160} != the joined "
                                                             f"deltas {joined!r:.160}")
        elif kind == "response.function_call_arguments.done":
            joined = "".join(pieces.get((index, "response.function_call_arguments"), []))
            if p.get("arguments") != joined:
                raise CheckFailure("done_carries_full_arguments", f"event {n}: arguments.done {p.get('arguments')!r:.160} != "
                                                                  f"the joined deltas {joined!r:.160}")
        elif kind == "response.output_item.done":
            item = p.get("item") or {}
            out[index] = item
            if item.get("type") == "message":
                joined = "".join(pieces.get((index, "response.output_text"), []))
                if message_text({"output": [item]}) != joined:
                    raise CheckFailure("item_done_carries_full_text", f"event {n}: output_item.done text "
                                                                      f"{message_text({'output': [item]})!r:.160} != the joined "
                                                                      f"deltas {joined!r:.160}")
            elif item.get("type") == "reasoning" and (index, "response.reasoning_summary_text") in pieces:
                joined = "".join(pieces[(index, "response.reasoning_summary_text")])
                summary = "".join(p.get("text") or "" for p in item.get("summary") or ())
                if summary != joined:
                    raise CheckFailure("item_done_carries_full_text", f"event {n}: output_item.done summary "
                                                                      f"{summary!r:.160} != the joined deltas {joined!r:.160}")
            elif item.get("type") == "function_call":
                joined = "".join(pieces.get((index, "response.function_call_arguments"), []))
                if item.get("arguments") != joined:
                    raise CheckFailure("item_done_carries_full_arguments", f"event {n}: output_item.done arguments "
                                                                           f"{item.get('arguments')!r:.160} != {joined!r:.160}")
    return [out[i] for i in sorted(out)]


def _essence(item: dict[str, Any]) -> dict[str, Any]:
    kind = item.get("type")
    if kind == "message":
        return {"type": kind, "id": item.get("id"), "text": message_text({"output": [item]})}
    if kind == "function_call":
        return {k: item.get(k) for k in ("type", "id", "call_id", "name", "arguments")}
    if kind == "reasoning":
        text = "".join(p.get("text") or "" for p in item.get("content") or ())
        summary = "".join(p.get("text") or "" for p in item.get("summary") or ())
        return {"type": kind, "id": item.get("id"), "text": text, "summary": summary}
    return dict(item)


def final_matches_events(payloads: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """The terminal event's ``response.output`` equals the items the events built (ids, texts, calls).
    Returns that response."""
    built = built_output(payloads)
    final = payloads[-1].get("response") or {} if payloads else {}
    output = final.get("output") or []
    got, want = [_essence(i) for i in output], [_essence(i) for i in built]
    if got != want:
        raise CheckFailure("final_output_matches_events", f"the terminal response's output {json.dumps(got)[:300]} != "
                                                          f"what the events built {json.dumps(want)[:300]}")
    return final


def stream_failed(payloads: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """A failure after the stream started: ``response.created`` first, no ``response.completed``, and the
    stream ends with ``response.failed`` (its response ``status: failed`` with an ``error``), optionally
    right after one ``error`` event (D-11, D-17). Returns the failed response's error."""
    kinds = [str(p.get("type")) for p in payloads]
    if not kinds or kinds[0] != "response.created":
        raise CheckFailure("responses_stream_started", f"the stream did not start with response.created: {_compact(kinds[:3])}")
    if "response.completed" in kinds or "response.incomplete" in kinds:
        raise CheckFailure("failed_not_completed", f"a failed stream reports success: …{_compact(kinds[-4:])}")
    if kinds[-1] != "response.failed":
        fail("stream_ends_response_failed", f"the stream ends with {kinds[-1]!r}, not response.failed: "
                                                          f"…{_compact(kinds[-4:])}")
    if kinds.count("response.failed") != 1:
        raise CheckFailure("stream_one_terminal_event", f"{kinds.count('response.failed')} response.failed events")
    errors = [i for i, k in enumerate(kinds) if k == "error"]
    if len(errors) > 1 or (errors and errors[0] != len(kinds) - 2):
        fail("error_then_failed", f"at most one error event, right before response.failed: …{_compact(kinds[-5:])}")
    response = payloads[-1].get("response") or {}
    if response.get("status") != "failed" or not isinstance(response.get("error"), dict) \
            or not response["error"].get("message"):
        raise CheckFailure("failed_response_error", f"response.failed needs status failed and an error: "
                                                    f"{ {k: response.get(k) for k in ('status', 'error')} !r:.300}")
    return response["error"]  # type: ignore[no-any-return]
