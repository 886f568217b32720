"""Named checks: small functions that raise :class:`CheckFailure` naming the rule that broke.

Suites call them on responses; the contract transport has already validated every documented
operation's response against the spec, so checks assert what a schema cannot (the right code for
the case, the right envelope for the endpoint, relations between responses). The helpers below are
the pieces the format modules' checks share.

Every name a check fails with is a rule of :mod:`suites.rules`, registered with its source next to the
checks that use it; a failure reads ``[name] (source) what was expected, what was seen``. A decision
rule's check does not fail under ``--rules documented`` (:func:`fail` records it as not applied).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from suites.rules import RULES, VIOLATED, applies, decision_skip_reason, not_applied, register

__all__ = [
    "MESSAGE_LIMIT",
    "CheckFailure",
    "collapse_runs",
    "cut",
    "distinct_ids",
    "expect",
    "fail",
    "holds",
    "no_thinking_block",
    "require",
    "schema_problems",
]

MESSAGE_LIMIT = 600
"""Failure messages are cut to this many characters (one line each)."""

register("model_echoed", "decision:D-11", "an answer's model echoes the requested catalog id")
register("no_thinking_markdown", "decision:D-8",
         "formats with a reasoning container of their own carry no chat-style Thinking block in their text")


def cut(value: Any, limit: int = 200) -> str:
    """``repr(value)`` (a string as is) on one line, cut to ``limit`` characters."""
    text = value if isinstance(value, str) else repr(value)
    text = " ".join(text.split("\n"))
    return text if len(text) <= limit else text[:limit - 1] + "…"


class CheckFailure(AssertionError):
    """A check failed; ``check`` names its rule, the message says what was expected and seen."""

    def __init__(self, check: str, message: str) -> None:
        rule = RULES.get(check)
        source = rule.source if rule is not None else "unregistered rule"
        if rule is not None and rule.says and not message.lower().startswith("expected"):
            message = f"expected: {rule.says}; got: {message}"
        super().__init__(cut(f"[{check}] ({source}) {message}", MESSAGE_LIMIT))
        self.check = check
        self.rule = rule


def fail(check: str, message: str) -> None:
    """Fail rule ``check`` with ``message`` — unless it is a decision the current profile does not apply,
    which is recorded instead (the caller then carries on)."""
    if not applies(check):
        not_applied(check, f"{VIOLATED}{message}")
        return
    raise CheckFailure(check, message)


def require(rule: str) -> None:
    """Skip the running test (case) when ``rule`` is a decision the current profile does not apply: for a
    case of a test whose other cases check documented rules."""
    if not applies(rule):  # reported at the test, not at this helper
        raise pytest.skip.Exception(decision_skip_reason([RULES[rule]]), _use_item_location=True)


def holds(check: str, ok: bool, message: str) -> None:
    """Rule ``check`` holds when ``ok``; otherwise fail with ``message`` (what was expected and seen)."""
    if not ok:
        fail(check, message)


def expect(check: str, ok: bool, expected: str, got: Any) -> None:
    """Rule ``check`` holds when ``ok``; otherwise fail with "expected …, got …"."""
    if not ok:
        fail(check, f"expected {expected}, got {cut(got)}")


def schema_problems(schema: dict[str, Any], value: Any) -> list[str]:
    """Where and how ``value`` breaks the JSON ``schema`` (a tool's own schema for its arguments)."""
    return [f"{'/'.join(map(str, e.absolute_path)) or '<root>'}: {e.message}"
            for e in Draft202012Validator(schema).iter_errors(value)]


def distinct_ids(ids: Sequence[Any]) -> bool:
    """Every id is a non-empty string and none repeats."""
    return all(isinstance(i, str) and i for i in ids) and len(set(ids)) == len(ids)


def collapse_runs(kinds: Sequence[str], limit: int) -> str:
    """Event kinds as ``a → b ×3 → c``, repeats collapsed, cut at ``limit`` characters."""
    collapsed: list[str] = []
    for k in kinds:
        if collapsed and collapsed[-1].split(" ×")[0] == k:
            n = int(collapsed[-1].split(" ×")[1]) + 1 if " ×" in collapsed[-1] else 2
            collapsed[-1] = f"{k} ×{n}"
        else:
            collapsed.append(k)
    return " → ".join(collapsed)[:limit]


def no_thinking_block(text: str, where: str) -> None:
    """D-8: a format with a place of its own for reasoning carries no chat-style "Thinking…" block in its
    text; ``where`` names that text in the failure."""
    if "**Thinking" in text:
        fail("no_thinking_markdown", f"{where} carries the chat format's Thinking block: {text[:160]!r}")
