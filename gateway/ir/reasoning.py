"""The portable reasoning controls mapped to a thinking budget, in one place for every format (D-51).

Chat ``reasoning_effort`` / ``reasoning: {effort | max_tokens}``, Responses ``reasoning``, Anthropic
``thinking`` (on any format) all decode to :class:`ReasoningOptions`; an upstream that takes a token
budget (Anthropic ``thinking: {type: enabled, budget_tokens}``) asks :func:`thinking_budget` for it.
"""

from __future__ import annotations

import hashlib
from typing import Any

from gateway.ir.chat import ReasoningOptions

__all__ = ["DEFAULT_BUDGET", "EFFORT_BUDGETS", "MIN_BUDGET", "from_thinking", "own_signature", "thinking_budget"]

EFFORT_BUDGETS = {"low": 1024, "medium": 4096, "high": 16384}
"""Thinking tokens per effort level, bounded by the answer's token limit (D-51)."""
MIN_BUDGET = 1024
"""The smallest budget Anthropic accepts."""
DEFAULT_BUDGET = 2048
"""The budget of reasoning switched on without an effort or a budget."""


def from_thinking(thinking: Any) -> tuple[bool | None, int | None]:
    """Anthropic's ``thinking`` object as (enabled, budget): ``type`` enabled / disabled, ``budget_tokens``."""
    if not isinstance(thinking, dict) or not thinking:
        return None, None
    kind = thinking.get("type")
    enabled = True if kind == "enabled" else False if kind == "disabled" else None
    return enabled, thinking.get("budget_tokens")


def thinking_budget(options: ReasoningOptions, limit: int) -> int | None:
    """The thinking budget ``options`` ask for under an answer limit of ``limit`` tokens, or ``None`` when
    they do not ask for reasoning. An explicit budget is kept as sent; an effort's budget is held below
    ``limit`` (never under :data:`MIN_BUDGET`)."""
    if options.enabled is False or options.effort == "none":
        return None
    if options.budget_tokens:
        return options.budget_tokens
    if options.effort in EFFORT_BUDGETS:
        return max(MIN_BUDGET, min(EFFORT_BUDGETS[options.effort], limit - 1))
    return DEFAULT_BUDGET if options.enabled else None


def own_signature(thinking: str) -> str:
    """The signature the gateway puts on a thinking block it did not get signed by an upstream (D-44):
    a digest of the text, so a block sent back can be told from one the upstream signed (D-62)."""
    return hashlib.sha256(thinking.encode()).hexdigest()
