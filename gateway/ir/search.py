"""The search representation: one query the ``/v1/search`` format decodes, one outcome every search
adapter returns, whatever the provider's wire shape."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from gateway.catalog import CatalogModel

__all__ = ["SearchHit", "SearchOutcome", "SearchQuery"]


@dataclass(frozen=True)
class SearchQuery:
    """A validated ``/v1/search`` request; ``raw`` is ``disable_formatting`` or one of its aliases."""

    model: CatalogModel
    query: str
    max_results: int | None = None
    search_depth: str | None = None
    include_domains: tuple[str, ...] = ()
    exclude_domains: tuple[str, ...] = ()
    include_answer: bool = False
    include_raw_content: bool = False
    output_type: str | None = None
    raw: bool = False


@dataclass(frozen=True)
class SearchHit:
    title: str
    url: str
    snippet: str | None = None
    content: str | None = None
    published_date: str | None = None
    author: str | None = None
    score: float | None = None


@dataclass(frozen=True)
class SearchOutcome:
    """What the upstream found; ``payload`` is its scrubbed answer body (shown only when ``raw``)."""

    hits: tuple[SearchHit, ...]
    answer: str | None = None
    payload: dict[str, Any] = field(default_factory=dict)
