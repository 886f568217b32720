"""Named checks: small functions that raise :class:`CheckFailure` naming the rule that broke.

Suites call them on responses; the contract transport has already validated every documented
operation's response against the spec, so checks assert what a schema cannot (the right code for
the case, the right envelope for the endpoint, relations between responses). The helpers below are
the pieces the format modules' checks share.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from jsonschema import Draft202012Validator

__all__ = ["CheckFailure", "collapse_runs", "distinct_ids", "no_thinking_block", "schema_problems"]


class CheckFailure(AssertionError):
    """A check failed; ``check`` names it, the message says what was seen."""

    def __init__(self, check: str, message: str) -> None:
        super().__init__(f"[{check}] {message}")
        self.check = check


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
        raise CheckFailure("no_thinking_markdown", f"{where} carries the chat format's Thinking block: {text[:160]!r}")
