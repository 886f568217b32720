"""The search representation: one query the ``/v1/search`` format decodes, one outcome every search
adapter returns (results, an answer, a detection verdict, the metered usage), whatever the provider's wire
shape."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from gateway.catalog import CatalogModel

__all__ = ["Detection", "Meter", "SearchHit", "SearchOutcome", "SearchQuery"]


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
    values: dict[str, Any] = field(default_factory=dict)
    """The model's declared parameters as the request gives them, catalog defaults filled in: what
    ``conditions`` of a price row are held to (D-99, D-100)."""
    asynchronous: bool = False


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
class Detection:
    """An AI-text detection verdict (D-98)."""

    classification: str
    ai_probability: float
    human_probability: float
    mixed_probability: float
    flagged_sentences: tuple[str, ...] = ()


@dataclass(frozen=True)
class Meter:
    """What the upstream reports having used for one answer (D-100); zero where it reports nothing."""

    input_tokens: int = 0
    output_tokens: int = 0
    reasoning_tokens: int = 0
    citation_tokens: int = 0
    search_queries: int = 0
    url_fetches: int = 0


@dataclass(frozen=True)
class SearchOutcome:
    """What the upstream found; ``payload`` is its scrubbed answer body (shown only when ``raw``);
    ``formatted_answer`` the answer as shown with formatting on, when it differs from ``answer`` before
    the Sources list (a reasoning model's ``<think>`` block removed); ``citations`` the upstream's own
    cited URLs, when it lists them apart from the results."""

    hits: tuple[SearchHit, ...]
    answer: str | None = None
    payload: dict[str, Any] = field(default_factory=dict)
    detection: Detection | None = None
    citations: tuple[str, ...] | None = None
    meter: Meter = field(default_factory=Meter)
    formatted_answer: str | None = None
