"""Checks on Chat Completions semantics: answers, usage, stream invariants, tool calls, reasoning, leaks.

The contract transport has already validated the shape of every body and stream event; these checks
assert what a schema cannot: relations between chunks, between a request and its answer, between the
stream and the non-stream form of the same request, and that nothing of the upstream leaks out.
Every function raises :class:`~suites.checks.CheckFailure` naming the rule that broke.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any

from suites.checks import CheckFailure, fail, schema_problems
from suites.leaks import LEAK_PATTERNS, no_leaks
from suites.rules import applies, not_applied, register, register_all

__all__ = [
    "LEAK_PATTERNS",
    "THINKING_HEADER",
    "assistant_message",
    "done_terminates",
    "model_echoed",
    "no_empty_deltas",
    "no_leaks",
    "one_finish_reason",
    "reasoning_before_answer",
    "render_thinking",
    "role_only_first",
    "stable_identity",
    "stream_error_then_done",
    "thinking_formatted",
    "tool_arguments_valid",
    "tool_call_fragments",
    "tool_calls_well_formed",
    "usage_adds_up",
    "usage_chunk_last",
]

register("no_upstream_leak", "docs:api-reference-overview#errors",
         "no response shows the upstream provider, an internal host, a provider request id or key")
register_all("openai:chat-completion-object", {
    "one_choice": "n=1 answers with exactly one choice",
    "assistant_role": "the choice's message has role assistant",
    "non_empty_content": "a plain answer's content is a non-empty string",
    "finish_reason": "finish_reason says why generation stopped (stop, length, tool_calls)",
})
register("usage_present", "docs:getting-started#quickstart",
         "a successful chat completion returns token usage counts")
register_all("openai:chat-completion-usage", {
    "usage_counts": "prompt, completion and total tokens are integers",
    "usage_total": "total_tokens = prompt_tokens + completion_tokens",
    "usage_positive": "a real exchange has prompt and completion tokens > 0",
    "reasoning_within_completion": "reasoning_tokens are part of completion_tokens",
})
register("usage_cost", "decision:D-20", "the cost metadata the docs promise is usage.cost, a USD number >= 0")
register_all("openai:chat-streaming", {
    "stream_done": "a stream ends with data: [DONE]",
    "stream_done_once": "data: [DONE] is sent once",
    "stream_done_last": "nothing follows data: [DONE]",
    "stream_role_first": "the first chunk's delta carries role: assistant",
    "stream_role_once": "no later delta repeats the role",
    "stream_one_finish_reason": "exactly one chunk per choice carries a finish_reason",
    "stream_nothing_after_finish": "no content follows a choice's finish_reason",
    "stream_finish_reason": "the stream's finish_reason is the expected one",
    "stream_identity_stable": "id, created and model are the same on every chunk",
})
register_all("openai:chat-streaming#stream-options", {
    "stream_usage_chunk_once": "include_usage adds exactly one chunk with choices: [] and the usage",
    "stream_usage_chunk_last": "the usage chunk is the last one before [DONE]",
    "stream_usage_only_last": "every other chunk has usage null or absent",
})
register("stream_no_empty_delta", "decision:D-36", "no chunk carries an empty delta without a finish_reason")
register_all("decision:D-11", {
    "stream_error_chunk": "a failure after the stream started is one {\"error\": {...}} chunk",
    "stream_error_chunk_last": "the error chunk is the last before [DONE]",
    "stream_error_after_chunks": "an in-band error follows at least one chunk",
})
register_all("openai:chat-streaming#tool-calls", {
    "tool_call_fragment_index": "every streamed tool-call fragment carries an integer index",
    "tool_call_first_fragment": "the first fragment of a call carries id, type function and the name",
    "tool_call_later_fragment": "later fragments carry only index and argument pieces",
})
register_all("openai:function-calling", {
    "tool_call_ids_unique": "tool-call ids are unique within a message",
    "tool_call_known_function": "a call names a function defined in tools",
    "tool_arguments_json": "function.arguments is a string holding a JSON object",
    "tool_arguments_schema": "the arguments validate against the function's parameters schema",
})
register_all("decision:D-8", {
    "thinking_block_header": 'content starts with the "> **Thinking…**" header, byte for byte',
    "thinking_block_matches_reasoning": "the quoted block is reasoning_content rendered as D-8 prescribes",
    "thinking_block_answer": "an answer follows the Thinking block",
    "reasoning_history_accepted": "reasoning_content sent back on an earlier assistant turn is accepted on every "
                                  "model (removed before an upstream that refuses it)",
    "reasoning_tool_loop": "a tool loop with a reasoning model works at step 2, the tool-call turn sent back with "
                           "its reasoning_content",
})
register_all("deepseek:reasoning-model", {
    "reasoning_content_present": "a reasoning model reports its reasoning in reasoning_content",
    "reasoning_before_content": "streamed reasoning_content arrives before the answer",
    "stream_reasoning_content": "a reasoning model's stream carries delta.reasoning_content",
})

# ----- leaks (moved to suites.leaks; re-exported here) ----------------------------------------------

# ----- non-stream answers ----------------------------------------------------------------------------


def assistant_message(body: Any, *, finish: str | None = "stop", text: bool = True) -> dict[str, Any]:
    """One choice with an assistant message; its content a non-empty string (``text``) and its
    finish_reason ``finish`` (unless None)."""
    choices = body.get("choices") if isinstance(body, dict) else None
    if not isinstance(choices, list) or len(choices) != 1:
        raise CheckFailure("one_choice", f"expected exactly one choice (n=1), got {choices!r:.300}")
    choice = choices[0]
    message = choice.get("message") or {}
    if message.get("role") != "assistant":
        raise CheckFailure("assistant_role", f"message role {message.get('role')!r}")
    if text and not (isinstance(message.get("content"), str) and message["content"].strip()):
        raise CheckFailure("non_empty_content", f"content {message.get('content')!r:.200}")
    if finish is not None and choice.get("finish_reason") != finish:
        raise CheckFailure("finish_reason", f"expected {finish!r}, got {choice.get('finish_reason')!r}")
    return message


def model_echoed(body: Any, model_id: str) -> None:
    """``model`` echoes the requested catalog id (D-11), never the upstream's name for it."""
    if body.get("model") != model_id:
        fail("model_echoed", f"requested {model_id!r}, answer says {body.get('model')!r}")


def usage_adds_up(usage: Any, *, cost: bool = True, positive: bool = True) -> dict[str, Any]:
    """``total == prompt + completion``, counts > 0, reasoning tokens within completion tokens and,
    with ``cost``, a ``cost`` >= 0 (the docs promise cost metadata)."""
    if not isinstance(usage, dict):
        raise CheckFailure("usage_present", f"usage is {usage!r}")
    prompt, completion, total = usage.get("prompt_tokens"), usage.get("completion_tokens"), usage.get("total_tokens")
    if not all(isinstance(v, int) for v in (prompt, completion, total)):
        raise CheckFailure("usage_counts", f"non-integer counts in {usage}")
    assert isinstance(prompt, int) and isinstance(completion, int) and isinstance(total, int)
    if total != prompt + completion:
        raise CheckFailure("usage_total", f"total_tokens {total} != prompt_tokens {prompt} + completion_tokens {completion}")
    if positive and (prompt <= 0 or completion <= 0):
        raise CheckFailure("usage_positive", f"prompt_tokens {prompt}, completion_tokens {completion}")
    reasoning = (usage.get("completion_tokens_details") or {}).get("reasoning_tokens")
    if isinstance(reasoning, int) and reasoning > completion:
        raise CheckFailure("reasoning_within_completion", f"reasoning_tokens {reasoning} > completion_tokens {completion}")
    if cost:
        value = usage.get("cost")
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
            fail("usage_cost", f"usage.cost must be a number >= 0 (cost metadata), got {value!r}")
    return usage


# ----- streams ---------------------------------------------------------------------------------------


def done_terminates(data: Sequence[str]) -> None:
    """``[DONE]`` is the last event and appears exactly once."""
    done = [i for i, d in enumerate(data) if d.strip() == "[DONE]"]
    if not done:
        raise CheckFailure("stream_done", f"no data: [DONE] among {len(data)} events (last: {data[-1:]!r:.200})")
    if len(done) > 1:
        raise CheckFailure("stream_done_once", f"data: [DONE] sent {len(done)} times")
    if done[0] != len(data) - 1:
        raise CheckFailure("stream_done_last", f"{len(data) - 1 - done[0]} event(s) after data: [DONE]: {data[done[0] + 1:][:3]!r:.200}")


def _deltas(chunks: Sequence[dict[str, Any]]) -> Iterable[tuple[int, dict[str, Any], dict[str, Any]]]:
    for i, chunk in enumerate(chunks):
        for choice in chunk.get("choices") or ():
            yield i, choice, choice.get("delta") or {}


def role_only_first(chunks: Sequence[dict[str, Any]]) -> None:
    """The first chunk's delta carries ``role: assistant``; no later delta carries a role."""
    if not chunks:
        raise CheckFailure("stream_role_first", "the stream has no chunks")
    first = [(c.get("delta") or {}) for c in chunks[0].get("choices") or ()]
    if not first or any(d.get("role") != "assistant" for d in first):
        raise CheckFailure("stream_role_first", f"first delta(s) {first!r:.200} lack role: assistant")
    later = [(i, d.get("role")) for i, _, d in _deltas(chunks[1:]) if d.get("role") is not None]
    if later:
        raise CheckFailure("stream_role_once", f"role repeated in later chunk(s) (index, role): {later[:5]}")


def one_finish_reason(chunks: Sequence[dict[str, Any]], expected: str | None = None) -> str:
    """Exactly one chunk per choice carries a non-null ``finish_reason`` (``expected`` if given), and
    no content, reasoning or tool-call delta of that choice follows it."""
    seen: dict[int, list[tuple[int, str]]] = {}
    for i, choice, _ in _deltas(chunks):
        if choice.get("finish_reason") is not None:
            seen.setdefault(int(choice.get("index", 0)), []).append((i, choice["finish_reason"]))
    if 0 not in seen:
        raise CheckFailure("stream_one_finish_reason", f"no chunk carries a finish_reason ({len(chunks)} chunks)")
    for index, reasons in seen.items():
        if len(reasons) != 1:
            raise CheckFailure("stream_one_finish_reason", f"choice {index}: {len(reasons)} finish_reasons {reasons[:5]}")
        where = reasons[0][0]
        for i, choice, delta in _deltas(chunks[where + 1:]):
            if int(choice.get("index", 0)) == index and (delta.get("content") or delta.get("reasoning_content")
                                                         or delta.get("tool_calls")):
                raise CheckFailure("stream_nothing_after_finish", f"choice {index}: a delta after the finish_reason: {delta!r:.200}")
    reason = seen[0][0][1]
    if expected is not None and reason != expected:
        raise CheckFailure("stream_finish_reason", f"expected finish_reason {expected!r}, got {reason!r}")
    return reason


def stable_identity(payloads: Sequence[dict[str, Any]]) -> None:
    """``id``, ``created`` and ``model`` are the same on every chunk of a stream (usage chunk included)."""
    if not payloads:
        raise CheckFailure("stream_identity_stable", "the stream has no chunks")
    for key in ("id", "created", "model"):
        values = [p.get(key) for p in payloads]
        distinct = list(dict.fromkeys(json.dumps(v) for v in values))
        if len(distinct) != 1:
            raise CheckFailure("stream_identity_stable", f"{key} changes within the stream: {distinct[:5]}")


def no_empty_deltas(chunks: Sequence[dict[str, Any]]) -> None:
    """No chunk whose delta carries nothing (no role, content, reasoning, refusal or tool call) and
    whose choice has no finish_reason: such chunks are noise that breaks naive clients."""
    for i, choice, delta in _deltas(chunks):
        carries = any(delta.get(k) not in (None, "", []) for k in ("role", "content", "reasoning_content", "refusal",
                                                                 "tool_calls"))
        if not carries and choice.get("finish_reason") is None:
            fail("stream_no_empty_delta", f"chunk {i} has an empty delta and no finish_reason: {chunks[i]!r:.300}")


def usage_chunk_last(data: Sequence[str], payloads: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """With ``include_usage``: exactly one chunk with ``choices: []`` and a usage, the last one before
    ``[DONE]``; every other chunk has ``usage`` null or absent; its totals add up."""
    done_terminates(data)
    usage_chunks = [i for i, p in enumerate(payloads) if p.get("choices") == [] and p.get("usage") is not None]
    if len(usage_chunks) != 1:
        raise CheckFailure("stream_usage_chunk_once", f"expected one usage chunk (choices: [] + usage), got {len(usage_chunks)}")
    if usage_chunks[0] != len(payloads) - 1:
        raise CheckFailure("stream_usage_chunk_last", f"the usage chunk is #{usage_chunks[0]} of {len(payloads)}, not the last before [DONE]")
    others = [i for i, p in enumerate(payloads[:-1]) if p.get("usage") is not None]
    if others:
        raise CheckFailure("stream_usage_only_last", f"chunks {others[:5]} carry a non-null usage besides the final usage chunk")
    return usage_adds_up(payloads[-1]["usage"], cost=False)


def stream_error_then_done(data: Sequence[str], payloads: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """A failure after the stream started: some chunk(s), then exactly one ``{"error": {...}}`` frame,
    then ``data: [DONE]`` as the last event (D-11). Returns the error; under ``--rules documented`` only
    the ``[DONE]`` rule is checked and the error chunk found (if any) is returned."""
    done_terminates(data)
    errors = [i for i, p in enumerate(payloads) if "error" in p]
    if not applies("stream_error_chunk"):
        not_applied("stream_error_chunk", "stream_error_then_done")
        found = payloads[errors[-1]].get("error") if errors else None
        return found if isinstance(found, dict) else {}
    if len(errors) != 1:
        raise CheckFailure("stream_error_chunk", f"expected one error chunk, got {len(errors)} among {len(payloads)} chunks")
    if errors[0] != len(payloads) - 1:
        raise CheckFailure("stream_error_chunk_last", f"{len(payloads) - 1 - errors[0]} chunk(s) after the error chunk")
    if errors[0] == 0:
        raise CheckFailure("stream_error_after_chunks", "the error came first: the stream had not started")
    error = payloads[errors[0]]["error"]
    if not isinstance(error, dict):
        raise CheckFailure("stream_error_chunk", f"error is {error!r:.200}")
    return error


# ----- tool calls ------------------------------------------------------------------------------------


def tool_call_fragments(chunks: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Merge streamed tool-call fragments into calls, enforcing the fragment rules: the first fragment
    at a new index carries ``id``, ``type: function`` and a non-empty ``function.name``; later fragments
    carry only ``index`` and pieces of ``function.arguments`` (no new id, type or name)."""
    calls: dict[int, dict[str, Any]] = {}
    for i, _, delta in _deltas(chunks):
        for fragment in delta.get("tool_calls") or ():
            index = fragment.get("index")
            if not isinstance(index, int):
                raise CheckFailure("tool_call_fragment_index", f"chunk {i}: fragment without an integer index: {fragment!r:.200}")
            function = fragment.get("function") or {}
            if index not in calls:
                if not fragment.get("id") or fragment.get("type") != "function" or not function.get("name"):
                    raise CheckFailure("tool_call_first_fragment",
                                       f"chunk {i}: the first fragment of call {index} needs id, type: function and a "
                                       f"name: {fragment!r:.300}")
                calls[index] = {"index": index, "id": fragment["id"], "type": "function",
                                "function": {"name": function["name"], "arguments": function.get("arguments") or ""}}
                continue
            extra = sorted(k for k, v in fragment.items() if k not in ("index", "function") and v is not None)
            renamed = function.get("name")
            if extra or renamed:
                raise CheckFailure("tool_call_later_fragment",
                                   f"chunk {i}: a later fragment of call {index} repeats {extra + (['name'] if renamed else [])}: "
                                   f"{fragment!r:.300}")
            calls[index]["function"]["arguments"] += function.get("arguments") or ""
    return [calls[k] for k in sorted(calls)]


def tool_calls_well_formed(calls: Sequence[dict[str, Any]], tools: Sequence[dict[str, Any]]) -> None:
    """Each call names a defined tool, has a non-empty unique id, and its arguments are JSON objects."""
    names = {t["function"]["name"] for t in tools}
    ids = [c.get("id") for c in calls]
    if len(set(ids)) != len(ids):
        raise CheckFailure("tool_call_ids_unique", f"duplicate tool-call ids {ids}")
    for call in calls:
        function = call.get("function") or {}
        if function.get("name") not in names:
            raise CheckFailure("tool_call_known_function", f"call to {function.get('name')!r}, defined: {sorted(names)}")
        _arguments(call)


def _arguments(call: dict[str, Any]) -> Any:
    raw = (call.get("function") or {}).get("arguments")
    if not isinstance(raw, str):
        raise CheckFailure("tool_arguments_json", f"arguments is not a string: {raw!r:.200}")
    try:
        value = json.loads(raw) if raw.strip() else {}
    except json.JSONDecodeError as exc:
        raise CheckFailure("tool_arguments_json", f"arguments do not parse as JSON ({exc}): {raw!r:.300}") from None
    if not isinstance(value, dict):
        raise CheckFailure("tool_arguments_json", f"arguments are not a JSON object: {raw!r:.300}")
    return value


def tool_arguments_valid(calls: Sequence[dict[str, Any]], tools: Sequence[dict[str, Any]]) -> None:
    """Every call's arguments parse as JSON and validate against its tool's ``parameters`` schema."""
    schemas = {t["function"]["name"]: t["function"].get("parameters") or {} for t in tools}
    tool_calls_well_formed(calls, tools)
    for call in calls:
        name = call["function"]["name"]
        problems = schema_problems(schemas[name], _arguments(call))
        if problems:
            raise CheckFailure("tool_arguments_schema", f"{name} arguments {call['function']['arguments']!r:.200} break "
                                                        f"the tool's schema: {problems[:3]}")


# ----- reasoning (D-8) -------------------------------------------------------------------------------

THINKING_HEADER = "> **Thinking\u2026**\n>\n"


def render_thinking(reasoning: str) -> str:
    """The "Thinking…" block D-8 prescribes for ``reasoning``: the header, an empty quote line, each
    reasoning line quoted with ``"> "`` (an empty line as ``">"``), then a blank line."""
    lines = "\n".join(f"> {line}" if line else ">" for line in reasoning.split("\n"))
    return f"{THINKING_HEADER}{lines}\n\n"


def thinking_formatted(content: Any, reasoning: Any) -> str:
    """``content`` is the rendered block of ``reasoning`` followed by a non-empty answer (D-8); returns the
    answer. Under ``--rules documented`` only ``reasoning_content`` is checked and ``content`` is returned."""
    if not isinstance(reasoning, str) or not reasoning:
        raise CheckFailure("reasoning_content_present", f"reasoning_content is {reasoning!r:.100}")
    if not applies("thinking_block_matches_reasoning"):
        not_applied("thinking_block_matches_reasoning", "thinking_formatted")
        return content if isinstance(content, str) else ""
    if not isinstance(content, str) or not content.startswith(THINKING_HEADER + "> "):
        raise CheckFailure("thinking_block_header", f"content does not start with {THINKING_HEADER + '> '!r}: {content!r:.200}")
    block = render_thinking(reasoning)
    if not content.startswith(block):
        common = next((i for i, (a, b) in enumerate(zip(content, block, strict=False)) if a != b), min(len(content), len(block)))
        raise CheckFailure("thinking_block_matches_reasoning",
                           f"the quoted block differs from reasoning_content rendered per D-8 at offset {common}: "
                           f"content …{content[max(common - 40, 0):common + 40]!r}… vs block …{block[max(common - 40, 0):common + 40]!r}…")
    answer = content[len(block):]
    if not answer.strip():
        raise CheckFailure("thinking_block_answer", "no answer after the Thinking block")
    return answer


def reasoning_before_answer(chunks: Sequence[dict[str, Any]], block: str) -> None:
    """Every ``delta.reasoning_content`` arrives before any content beyond the Thinking ``block`` (the
    rendered block, or "" when formatting is off): reasoning first, then the answer."""
    content = ""
    seen_reasoning = False
    for i, _, delta in _deltas(chunks):
        if delta.get("reasoning_content"):
            seen_reasoning = True
            if len(content) > len(block):
                raise CheckFailure("reasoning_before_content",
                                   f"chunk {i}: reasoning_content after answer content {content[len(block):][:80]!r}")
        if isinstance(delta.get("content"), str):
            content += delta["content"]
    if not seen_reasoning:
        raise CheckFailure("stream_reasoning_content", "no delta.reasoning_content in the stream")
