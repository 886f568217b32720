"""Checks that hold for every wire format, written once over the drivers' format-neutral answers.

Each function checks one rule on an :class:`~suites.drivers.Answer` (or its tool calls, usage, error
reply), whichever format produced it, and raises :class:`~suites.checks.CheckFailure` naming the rule.
What only one format has (chat's fragments, Anthropic's block order, Responses' sequence numbers)
stays in that format's module. Where :mod:`suites.checks.behaviour` already names a rule
(``tool_round_trip``, ``unknown_model_404``, ``auth_missing_key``,
``upstream_failure_status``) the check here fails with that name; leaks are
:func:`suites.checks.chat.no_leaks` (rule ``no_upstream_leak``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import httpx

from suites.checks import CheckFailure, cut, distinct_ids, expect, fail, schema_problems
from suites.drivers.base import Answer, ErrorReply, ToolCall, Usage, parse_arguments
from suites.rules import check, register
from suites.tools import Tool

__all__ = [
    "CLOCK_SLACK",
    "THINKING_MARK",
    "created_now",
    "created_unix_seconds",
    "missing_key_401",
    "no_reasoning_from_plain_model",
    "no_reasoning_when_off",
    "parallel_calls_separate",
    "portable_control_reasons",
    "reasoning_shown",
    "reasoning_tokens_counted",
    "round_trip_answered",
    "tool_call_arguments_json",
    "tool_call_arguments_schema",
    "tool_call_ids_distinct",
    "tool_calls_finish",
    "tool_calls_named",
    "tool_calls_valid",
    "unavailable_model_not_found",
    "unknown_model_not_found",
    "upstream_failure_status",
    "upstream_timeout_502",
    "usage_adds_up",
    "usage_cost",
]

_TOOLS = "docs:api-reference-overview#tool-calling"
_CATALOG = "docs:api-reference-overview#models-as-the-source-of-truth"
THINKING_MARK = "> **Thinking"

register("tool_choice_free_without_tools", "openai:responses-create#tool_choice",
         "tool_choice auto (the default) and none need no tools, on every format (Messages: type auto / none)")
register("reasoning_shown_when_asked", _CATALOG,
         "a reasoner asked to reason (through a control its catalog entry lists) shows its reasoning: the "
         "precondition of the reasoning-off check")


# ----- tool calls ------------------------------------------------------------------------------------


@check("tool_calls_name_defined_tools", _TOOLS, "every tool call names a tool the request defined")
def tool_calls_named(calls: Sequence[ToolCall], tools: Sequence[Tool]) -> None:
    names = {t.name for t in tools}
    unknown = [c.name for c in calls if c.name not in names]
    if unknown:
        raise CheckFailure("tool_calls_name_defined_tools", f"calls to {unknown}, defined: {sorted(names)}")


@check("tool_call_ids_distinct", _TOOLS,
       "every tool call carries a non-empty id, distinct within the answer (tool results refer to it)")
def tool_call_ids_distinct(calls: Sequence[ToolCall]) -> None:
    ids = [c.id for c in calls]
    if not distinct_ids(ids):
        raise CheckFailure("tool_call_ids_distinct", f"tool-call ids must be distinct non-empty strings: {ids}")


@check("tool_call_arguments_json_object", _TOOLS,
       "every tool call's arguments are a JSON object (a JSON string holding one, or Anthropic's input object)")
def tool_call_arguments_json(calls: Sequence[ToolCall]) -> None:
    for call in calls:
        _, problem = parse_arguments(call.raw)
        if problem:
            raise CheckFailure("tool_call_arguments_json_object", f"{call.name}: {problem}")


@check("tool_call_arguments_match_schema", _TOOLS,
       "every tool call's arguments validate against the JSON schema of the tool they call")
def tool_call_arguments_schema(calls: Sequence[ToolCall], tools: Sequence[Tool]) -> None:
    schemas = {t.name: t.parameters for t in tools}
    for call in calls:
        value, problem = parse_arguments(call.raw)
        problems = [problem] if problem else schema_problems(schemas.get(str(call.name), {}), value)
        if problems:
            raise CheckFailure("tool_call_arguments_match_schema",
                               f"{call.name} arguments {cut(call.raw)} break the tool's schema: {problems[:3]}")


register("listed_tool_models_accept_tools", _TOOLS,
         "tool calling propagates straight through: every chat model the catalog lists with tool calling "
         "accepts tools on every format and answers with a tool call when one is required")


def tool_calls_valid(calls: Sequence[ToolCall], tools: Sequence[Tool]) -> None:
    """At least one call, and every call valid: a defined tool, a distinct id, JSON-object arguments
    that fit the tool's schema."""
    if not calls:
        raise CheckFailure("tool_calls_name_defined_tools", "a tool call was required, the answer has none")
    tool_calls_named(calls, tools)
    tool_call_ids_distinct(calls)
    tool_call_arguments_json(calls)
    tool_call_arguments_schema(calls, tools)


@check("tool_calls_finish_reason", "docs:concepts#compatibility-layer",
       "an answer that calls tools finishes as the format says tool calls finish (chat tool_calls, Anthropic "
       "tool_use, a completed Response with function_call items)")
def tool_calls_finish(answer: Answer) -> None:
    if answer.finish != "tool_calls":
        raise CheckFailure("tool_calls_finish_reason", f"{len(answer.calls)} tool call(s), yet the finish reason is "
                                                       f"{answer.finish_raw!r}")


@check("parallel_tool_calls_separate", _TOOLS,
       "tool calls the model makes in parallel reach the client as separate calls, one per call made")
def parallel_calls_separate(calls: Sequence[ToolCall], tools: Sequence[Tool], *, exact: bool) -> None:
    """With ``exact`` (a deterministic upstream that calls every tool once), one call per tool; with two
    calls or more, calls of distinct ids (and, in Responses, distinct ``function_call`` items)."""
    names = sorted(str(c.name) for c in calls)
    if exact and names != sorted(t.name for t in tools):
        raise CheckFailure("parallel_tool_calls_separate", f"the upstream calls {sorted(t.name for t in tools)} in "
                                                           f"parallel; the client got calls to {names}")
    if len(calls) >= 2 and len({c.id for c in calls}) != len(calls):
        raise CheckFailure("parallel_tool_calls_separate", f"parallel calls share ids: {[c.id for c in calls]}")
    items = [c.item_id for c in calls if c.item_id is not None]
    if len(set(items)) != len(items):
        raise CheckFailure("parallel_tool_calls_separate", f"parallel calls share an output item: {items}")


def round_trip_answered(answer: Answer, results: Sequence[str], *, quoted: bool) -> None:
    """Rule ``tool_round_trip``: no further calls, a ``stop`` finish and a text answer; with ``quoted`` (an upstream that quotes the
    tool results it received) every result appears in the text."""
    if answer.calls or answer.finish != "stop":
        raise CheckFailure("tool_round_trip", f"after the tool results the model should answer: finish "
                                                     f"{answer.finish_raw!r}, {len(answer.calls)} new call(s)")
    if not answer.text.strip():
        raise CheckFailure("tool_round_trip", "no text answer after the tool results")
    missing = [r for r in results if quoted and r not in answer.text]
    if missing:
        raise CheckFailure("tool_round_trip", f"the tool results {missing} did not reach the model: "
                                                     f"{cut(answer.text)}")


# ----- usage -----------------------------------------------------------------------------------------


def _count(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


@check("usage_tokens_add_up", "docs:concepts#compatibility-layer",
       "usage counts are the format's own and add up: input and output tokens > 0, a total (where the format "
       "has one) = input + output, reasoning tokens within output, cached tokens within input")
def usage_adds_up(usage: Usage | None) -> None:
    name = "usage_tokens_add_up"
    if usage is None:
        raise CheckFailure(name, "the answer carries no usage")
    counts = {"input": usage.input, "output": usage.output}
    counts.update({k: v for k, v in (("total", usage.total), ("reasoning", usage.reasoning),
                                     ("cached", usage.cached)) if v is not None})
    bad = {k: v for k, v in counts.items() if not _count(v)}
    if bad:
        raise CheckFailure(name, f"token counts must be integers >= 0: {bad} in {cut(usage.raw, 300)}")
    if usage.input <= 0 or usage.output <= 0:
        raise CheckFailure(name, f"input tokens {usage.input}, output tokens {usage.output}: both must be > 0")
    if usage.total is not None and usage.total != usage.input + usage.output:
        raise CheckFailure(name, f"total {usage.total} != input {usage.input} + output {usage.output}")
    if usage.reasoning is not None and usage.reasoning > usage.output:
        raise CheckFailure(name, f"reasoning tokens {usage.reasoning} > output tokens {usage.output}")
    if usage.cached is not None and usage.cached > usage.input:
        raise CheckFailure(name, f"cached tokens {usage.cached} > input tokens {usage.input}")


@check("usage_cost_reported", "decision:D-20",
       "usage.cost, where the format reports it, is a USD number >= 0; Chat Completions always report it (the "
       "docs' cost metadata); on Messages (D-21) and Responses it is an optional extension")
def usage_cost(usage: Usage | None, *, required: bool) -> None:
    cost = usage.cost if usage is not None else None
    if cost is None and not required:
        return
    if isinstance(cost, bool) or not isinstance(cost, (int, float)) or cost < 0:
        raise CheckFailure("usage_cost_reported", f"usage.cost must be a number >= 0, got {cost!r}")


# ----- reasoning -------------------------------------------------------------------------------------


def _no_reasoning(answer: Answer, rule: str, where: str) -> None:
    shown = [what for what, there in (("reasoning", answer.reasoning.strip()),
                                      ("a Thinking block in the text", THINKING_MARK in answer.text),
                                      ("reasoning tokens", answer.usage is not None and bool(answer.usage.reasoning)))
             if there]
    if shown:
        raise CheckFailure(rule, f"{where}: the answer shows {', '.join(shown)} "
                                 f"({cut(answer.reasoning or answer.text)})")
    if not answer.text.strip():
        raise CheckFailure(rule, f"{where}: no text answer")


@check("plain_model_no_reasoning", _CATALOG,
       "a model whose catalog entry does not flag capabilities.thinking answers without any reasoning: no "
       "reasoning content, thinking block, reasoning item, Thinking markdown or reasoning tokens")
def no_reasoning_from_plain_model(answer: Answer, where: str) -> None:
    _no_reasoning(answer, "plain_model_no_reasoning", where)


@check("reasoning_off_no_reasoning", _CATALOG,
       "a reasoner asked with reasoning switched off through the controls its catalog entry lists "
       "(reasoning_effort none — 'none disables thinking' —, enable_thinking false, reasoning.enabled false, "
       "Anthropic thinking disabled) answers without any reasoning, a model that reasons by default included "
       "(D-48)")
def no_reasoning_when_off(answer: Answer, where: str) -> None:
    _no_reasoning(answer, "reasoning_off_no_reasoning", where)


def reasoning_shown(answer: Answer, where: str) -> None:
    """The precondition of :func:`no_reasoning_when_off`: asked to reason, the model does."""
    if not answer.reasoning.strip():
        raise CheckFailure("reasoning_shown_when_asked", f"{where}: asked to reason, the answer shows no reasoning, "
                                                         "so switching it off proves nothing")


@check("portable_effort_reasons", "decision:D-51",
       "a model with Anthropic extended thinking (it lists `thinking`) asked to reason through the format's "
       "portable effort control (chat `reasoning_effort`, Responses `reasoning.effort`) answers with its "
       "reasoning in the format's own place (chat `reasoning_content`, a Responses reasoning item)")
@check("chat_thinking_honoured", "decision:D-51",
       "Anthropic `thinking: {type: enabled, budget_tokens}` sent on chat completions to a model that lists "
       "it is honoured, not dropped: the answer carries `reasoning_content`")
def portable_control_reasons(answer: Answer, rule: str, where: str) -> None:
    """A reasoning control sent through a format other than the model's native one was honoured."""
    if not answer.reasoning.strip():
        raise CheckFailure(rule, f"{where}: asked to reason, the answer shows no reasoning (the control was dropped)")


def reasoning_tokens_counted(answer: Answer, rule: str, where: str) -> None:
    """An answer that shows reasoning counts it: ``0 < reasoning tokens <= output tokens`` in its usage."""
    usage = answer.usage
    tokens, output = (usage.reasoning, usage.output) if usage is not None else (None, None)
    if not (isinstance(tokens, int) and isinstance(output, int) and 0 < tokens <= output):
        fail(rule, f"{where}: the answer reasons, but its usage reports reasoning tokens {tokens!r} "
                   f"(output tokens {output!r})")


# ----- timestamps ------------------------------------------------------------------------------------

CLOCK_SLACK = 900
"""Seconds a gateway's clock may differ from the test's own (and a request take) before a timestamp of
"now" is implausible; a timestamp in milliseconds is 1000 times too large, one of 0 half a century old."""
_EPOCH_FLOOR = 946684800
"""2000-01-01T00:00:00Z: no model or answer of this API is older."""


def _seconds(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


@check("created_unix_seconds", "openai:chat-completion-object#created",
       "created (chat completions and every chunk, /v1/models entries) and created_at (Responses objects) are "
       "integer Unix times in seconds: not milliseconds, not 0; a completion's is the time it was made")
def created_unix_seconds(stamps: Sequence[Any], where: str, *, latest: float) -> None:
    """Every one of ``stamps`` is an integer number of seconds since the epoch, after 2000 and not after
    ``latest`` (the test's clock) by more than :data:`CLOCK_SLACK`."""
    if not stamps:
        raise CheckFailure("created_unix_seconds", f"{where}: no creation timestamp")
    bad = [v for v in stamps if not _seconds(v) or not _EPOCH_FLOOR <= v <= latest + CLOCK_SLACK]
    if bad:
        raise CheckFailure("created_unix_seconds", f"{where}: {cut(bad[:3])} is not a Unix time in seconds between "
                                                   f"2000 and now ({int(latest)})")


def created_now(stamps: Sequence[Any], where: str, *, started: float, finished: float) -> None:
    """Rule ``created_unix_seconds`` for an answer made between ``started`` and ``finished`` (the test's
    clock): every timestamp is that time, in seconds, give or take :data:`CLOCK_SLACK`."""
    created_unix_seconds(stamps, where, latest=finished)
    early = [v for v in stamps if v < started - CLOCK_SLACK]
    if early:
        raise CheckFailure("created_unix_seconds", f"{where}: created {early[0]} is more than {CLOCK_SLACK}s before "
                                                   f"the request was sent ({int(started)})")


# ----- errors ----------------------------------------------------------------------------------------


def unknown_model_not_found(reply: ErrorReply, envelope: str) -> None:
    """Rule ``unknown_model_404``: an unknown model is 404 ``model_not_found`` in the endpoint's own
    envelope — code ``model_not_found`` (OpenAI), type ``not_found_error`` (Anthropic)."""
    if envelope == "openai" and reply.code != "model_not_found":
        raise CheckFailure("unknown_model_404", f"expected code 'model_not_found', got {reply.code!r}")
    if envelope == "anthropic" and reply.type != "not_found_error":
        raise CheckFailure("unknown_model_404", f"expected type 'not_found_error', got {reply.type!r}")


@check("unavailable_model_404", "docs:rate-limits-and-api-keys#common-errors",
       "model_not_found: 'the requested model does not exist or is not available' — a generation request naming "
       "a model the catalog lists with available: false is 404 (D-15) model_not_found (OpenAI envelope) / "
       "not_found_error (Anthropic envelope) on every endpoint, never served and never a 503 (D-47)")
def unavailable_model_not_found(response: httpx.Response, envelope: str, model_id: str) -> None:
    """The status first (a served or 503 answer fails here, not in the envelope check), then the code."""
    if response.status_code != 404:
        raise CheckFailure("unavailable_model_404", f"{model_id} (available: false) answered "
                                                    f"{response.status_code}, not 404: {response.text[:200]!r}")
    try:
        error = response.json().get("error") or {}
    except (ValueError, AttributeError):
        error = {}
    want, got = (("code", error.get("code")) if envelope == "openai" else ("type", error.get("type")))
    expected = "model_not_found" if envelope == "openai" else "not_found_error"
    if got != expected:
        raise CheckFailure("unavailable_model_404", f"{model_id}: expected {want} {expected!r}, got {got!r}")


def missing_key_401(reply: ErrorReply, envelope: str) -> None:
    """Rule ``auth_missing_key``: a request without a key is 401 in the endpoint's own envelope — code
    ``missing_api_key`` (OpenAI), type ``authentication_error`` (Anthropic)."""
    if envelope == "openai" and reply.code != "missing_api_key":
        raise CheckFailure("auth_missing_key", f"expected code 'missing_api_key', got {reply.code!r}")
    if envelope == "anthropic" and reply.type != "authentication_error":
        raise CheckFailure("auth_missing_key", f"expected type 'authentication_error', got {reply.type!r}")


def upstream_failure_status(response: httpx.Response, fault: str) -> None:
    """Rule ``upstream_failure_status`` (D-11): an upstream failure is a 502 or 503 — an upstream 400 the
    gateway could not pre-validate a 400 — never the provider's own status."""
    expect("upstream_failure_status", response.status_code in (400, 502, 503), f"400, 502 or 503 for upstream {fault}",
           f"{response.status_code}: {response.text[:200]}")


register("upstream_timeout_502", "decision:D-11",
         "an upstream that does not answer in time is a 502 upstream_error, not a 503 model_unavailable")


def upstream_timeout_502(response: httpx.Response, reply: ErrorReply | None = None) -> None:
    """Rule ``upstream_timeout_502`` (D-11): the gateway gave up waiting for the upstream and answers 502;
    with ``reply`` (the error read from the envelope), its code is ``upstream_error`` where it has one."""
    expect("upstream_timeout_502", response.status_code == 502, "502 for an upstream that did not answer in time",
           f"{response.status_code}: {response.text[:200]}")
    if reply is not None:
        expect("upstream_timeout_502", reply.code in (None, "upstream_error"), "code upstream_error", reply.code)
