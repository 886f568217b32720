"""The portable reasoning controls mapped to a thinking budget, in one place for every format (D-51).

Chat ``reasoning_effort`` / ``reasoning: {effort | max_tokens}``, Responses ``reasoning``, Anthropic
``thinking`` (on any format) all decode to :class:`ReasoningOptions`; an upstream that takes a token
budget (Anthropic ``thinking: {type: enabled, budget_tokens}``) asks :func:`thinking_budget` for it.
"""

from __future__ import annotations

import hashlib
from typing import Any

from gateway.ir.chat import ReasoningOptions

__all__ = ["DEFAULT_BUDGET", "EFFORT_BUDGETS", "MIN_BUDGET", "from_thinking", "own_signature", "portable_spec",
           "seal_signature", "switch", "thinking_budget", "unseal_signature"]

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


SEAL = "empirio.sig.v1."
"""The prefix of a Responses ``encrypted_content`` the gateway wrote around an upstream's signature (D-65)."""


def seal_signature(signature: str) -> str:
    """An upstream thinking signature as a Responses ``encrypted_content`` (D-65)."""
    return SEAL + signature


def unseal_signature(sealed: Any) -> str | None:
    """The upstream signature in an ``encrypted_content`` the gateway wrote, else ``None`` (D-65)."""
    if isinstance(sealed, str) and sealed.startswith(SEAL) and len(sealed) > len(SEAL):
        return sealed[len(SEAL):]
    return None


def portable_spec(name: str, parameters: dict[str, dict[str, Any]], thinks: bool) -> dict[str, Any] | None:
    """The catalog spec of the portable control ``name`` (``reasoning``, ``thinking``) for a model that does
    not list it, derived from the family controls it does list (D-63), or ``None`` when it can honour none
    of it. ``reasoning.effort`` is ``reasoning_effort``, ``reasoning.max_tokens`` and
    ``thinking.budget_tokens`` are ``thinking_budget``, ``reasoning.enabled`` is ``enable_thinking`` (or the
listed ``reasoning`` object's fields, for ``thinking``);
    ``reasoning.exclude`` needs only a model that reasons; ``thinking.type`` ``enabled`` needs a model that
    reasons, ``disabled`` an off switch (or a model that does not reason). A field left out of the derived
    spec is one the model cannot honour: a 400 naming it (``reasoning.max_tokens``)."""
    nested = (parameters.get("reasoning") or {}).get("properties") or {}
    effort = parameters.get("reasoning_effort") or nested.get("effort")
    budget = parameters.get("thinking_budget") or nested.get("max_tokens")
    switch = parameters.get("enable_thinking") or nested.get("enabled")
    off = switch is not None or "none" in ((effort or {}).get("enum") or ())
    props: dict[str, Any] = {}
    if name == "reasoning":
        for key, spec in (("effort", effort), ("max_tokens", budget), ("enabled", switch)):
            if spec is not None:
                props[key] = {k: v for k, v in spec.items() if k in ("type", "enum", "minimum", "maximum")}
        if thinks:
            props["exclude"] = {"type": "boolean"}
        return {"name": name, "type": "object", "properties": props} if props else None
    if name == "thinking":
        kinds = ["enabled"] * thinks + ["disabled"] * (off or not thinks)
        props["type"] = {"type": "string", "enum": kinds}
        if budget is not None:
            props["budget_tokens"] = {k: v for k, v in budget.items() if k in ("type", "minimum", "maximum")}
        return {"name": name, "type": "object", "properties": props}
    return None


def switch(options: ReasoningOptions) -> bool | None:
    """The on/off switch ``options`` imply: as sent, else on when they ask for a budget or an effort other
    than ``none`` (a budget asks for reasoning, D-63), else unset."""
    if options.enabled is not None:
        return options.enabled
    if options.budget_tokens or (options.effort is not None and options.effort != "none"):
        return True
    return None
