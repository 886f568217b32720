"""The catalog's ``default_params`` applied to a decoded request, in one place for every format (D-61).

A sampling default (``temperature``, ``top_p``, ``max_tokens`` / ``max_completion_tokens`` /
``max_output_tokens``) fills the field the request left out; the reasoning defaults (``enable_thinking``,
``reasoning_effort``, ``thinking_budget``) are one group, applied only when the request sets none of the
reasoning controls. What is filled in is what the upstream gets and what the Responses object echoes.
"""

from __future__ import annotations

import dataclasses
from typing import Any, TypeVar

from gateway.ir.chat import ChatRequest, ReasoningOptions

__all__ = ["LIMIT_NAMES", "with_defaults"]

R = TypeVar("R", bound=ChatRequest)

LIMIT_NAMES = ("max_output_tokens", "max_completion_tokens", "max_tokens")
"""The names a catalog entry may give its default output limit, first found wins."""


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _limit(defaults: dict[str, Any]) -> int | None:
    for name in LIMIT_NAMES:
        value = defaults.get(name)
        if isinstance(value, int) and not isinstance(value, bool):
            return value
    return None


def _reasoning(options: ReasoningOptions, defaults: dict[str, Any]) -> ReasoningOptions:
    if options.enabled is not None or options.effort is not None or options.budget_tokens is not None:
        return options
    enabled, effort, budget = defaults.get("enable_thinking"), defaults.get("reasoning_effort"), \
        defaults.get("thinking_budget")
    if enabled is None and effort is None and budget is None:
        return options
    if effort == "none":
        enabled = False
    return dataclasses.replace(
        options,
        enabled=enabled if isinstance(enabled, bool) else None,
        effort=effort if isinstance(effort, str) else None,
        budget_tokens=budget if isinstance(budget, int) and enabled is not False else None,
    )


def with_defaults(request: R) -> R:
    """``request`` with its model's documented defaults filled in where it left the field out."""
    defaults: dict[str, Any] = request.model.public.get("default_params") or {}
    if not defaults:
        return request
    if request.temperature is None:
        request.temperature = _number(defaults.get("temperature"))
    if request.top_p is None:
        request.top_p = _number(defaults.get("top_p"))
    if request.max_output_tokens is None:
        request.max_output_tokens = _limit(defaults)
    request.reasoning = _reasoning(request.reasoning, defaults)
    return request
