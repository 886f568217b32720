"""Deterministic web pages for a query: what every search style's results are made of.

A query's pages are a fixed function of its words, the number asked for and the domain filters, so a
suite can predict titles, URLs and counts: page ``i`` (from 1) is titled ``"<Query words> — result i"``,
lives at ``https://<domain>/<slug>/<i>`` and reads ``"Mock page i about <query>."``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

__all__ = ["DOMAINS", "Page", "answer_for", "pages_for"]

DOMAINS = ("example.com", "example.org", "example.net", "docs.example.com", "news.example.org")
"""Where pages live when the request names no ``include`` domains."""
MAX_PAGES = 100


@dataclass(frozen=True)
class Page:
    title: str
    url: str
    content: str
    published_date: str
    author: str
    score: float


def _words(query: str) -> list[str]:
    return re.findall(r"\w+", query)


def _domains(include: Any, exclude: Any) -> list[str]:
    named = [d for d in include if isinstance(d, str) and d.strip()] if isinstance(include, list) else []
    barred = {d for d in exclude if isinstance(d, str)} if isinstance(exclude, list) else set()
    return [d for d in (named or list(DOMAINS)) if d not in barred] or ["example.invalid"]


def pages_for(query: str, count: int, include: Any = None, exclude: Any = None) -> list[Page]:
    """The first ``count`` pages (at most 100) for ``query`` within the domain filters."""
    words = _words(query)
    slug = "-".join(w.lower() for w in words[:6]) or "empty"
    heading = " ".join(words[:8]).capitalize() or "Empty query"
    domains = _domains(include, exclude)
    text = " ".join(query.split())
    return [Page(title=f"{heading} — result {i}", url=f"https://{domains[(i - 1) % len(domains)]}/{slug}/{i}",
                 content=f"Mock page {i} about {text}.", published_date=f"2026-01-{(i - 1) % 28 + 1:02d}",
                 author=f"Author {i}", score=round(1 - (i - 1) * 0.01, 2))
            for i in range(1, max(0, min(count, MAX_PAGES)) + 1)]


def answer_for(query: str) -> str:
    """The answer an answer-style search gives for ``query``."""
    return f"Mock answer to: {' '.join(query.split()[:12])}."
