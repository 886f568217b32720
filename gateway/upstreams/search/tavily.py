"""Tavily: ``POST /tavily/search``; research models ask it for an answer too."""

from __future__ import annotations

from typing import Any

from gateway.config import Upstream
from gateway.ir.search import SearchHit, SearchOutcome, SearchQuery
from gateway.upstreams.http import UpstreamHTTP, upstream_errors
from gateway.upstreams.search.base import items, number, scrubbed, text

__all__ = ["TavilyAdapter"]

_DEPTHS = {"basic": "basic", "standard": "basic", "advanced": "advanced", "deep": "advanced"}


class TavilyAdapter:
    def __init__(self, http: UpstreamHTTP, upstream: Upstream, *, answer: bool) -> None:
        self.http, self.upstream, self.answer = http, upstream, answer

    def body(self, query: SearchQuery) -> dict[str, Any]:
        body: dict[str, Any] = {"query": query.query, "search_depth": _DEPTHS.get(query.search_depth or "", "basic"),
                                "include_answer": self.answer or query.include_answer,
                                "include_raw_content": query.include_raw_content}
        if query.max_results is not None:
            body["max_results"] = query.max_results
        if query.include_domains:
            body["include_domains"] = list(query.include_domains)
        if query.exclude_domains:
            body["exclude_domains"] = list(query.exclude_domains)
        return body

    async def search(self, query: SearchQuery) -> SearchOutcome:
        headers = {"authorization": f"Bearer {self.upstream.api_key or 'unset'}"}
        payload = await self.http.post_json(self.upstream, "/tavily/search", self.body(query), headers)
        async with upstream_errors():
            hits = tuple(SearchHit(title=text(r, "title") or "", url=str(r["url"]), snippet=text(r, "content"),
                                   content=text(r, "raw_content"), score=number(r, "score"))
                         for r in items(payload, "results"))
            return SearchOutcome(hits, text(payload, "answer"), scrubbed(payload))
