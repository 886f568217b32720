"""What every search adapter offers, and the pieces they share: the scrubbed payload, typed field reads."""

from __future__ import annotations

from typing import Any, Protocol

from gateway.ir.search import SearchOutcome, SearchQuery

__all__ = ["IDENTIFYING", "SearchAdapter", "count", "items", "number", "scrubbed", "text"]

IDENTIFYING = frozenset({"requestId", "request_id", "id", "costDollars", "response_time", "scanId", "usage",
                         "credit_usage", "metadata", "task_url", "share_url", "model"})
"""Top-level upstream fields that name the provider's request, its host or its own billing: never shown
(D-85, D-102)."""


class SearchAdapter(Protocol):
    async def search(self, query: SearchQuery) -> SearchOutcome: ...


def scrubbed(payload: dict[str, Any]) -> dict[str, Any]:
    """The upstream body without what identifies the upstream call (:data:`IDENTIFYING`)."""
    return {k: v for k, v in payload.items() if k not in IDENTIFYING}


def text(item: dict[str, Any], name: str) -> str | None:
    value = item.get(name)
    return value if isinstance(value, str) else None


def number(item: dict[str, Any], name: str) -> float | None:
    value = item.get(name)
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def items(payload: dict[str, Any], name: str) -> list[dict[str, Any]]:
    """The list of objects ``payload[name]``; a missing list or a non-object entry is an unreadable answer."""
    value = payload.get(name)
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise ValueError(f"upstream field {name!r} is not a list of objects")
    return value


def count(item: dict[str, Any], name: str) -> int:
    """A non-negative integer field, 0 when absent; anything else is an unreadable answer."""
    value = item.get(name, 0)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"upstream field {name!r} is not a count")
    return value
