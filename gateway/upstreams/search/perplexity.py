"""Perplexity Search: ``POST /perplexity/search`` (ranked results, no LLM answer)."""

from __future__ import annotations

from typing import Any

from gateway.config import Upstream
from gateway.ir.search import SearchHit, SearchOutcome, SearchQuery
from gateway.upstreams.http import UpstreamHTTP, upstream_errors
from gateway.upstreams.search.base import items, scrubbed, text

__all__ = ["PerplexityAdapter"]


class PerplexityAdapter:
    def __init__(self, http: UpstreamHTTP, upstream: Upstream) -> None:
        self.http, self.upstream = http, upstream

    def body(self, query: SearchQuery) -> dict[str, Any]:
        body: dict[str, Any] = {"query": query.query}
        if query.max_results is not None:
            body["max_results"] = query.max_results
        domains = [*query.include_domains, *(f"-{d}" for d in query.exclude_domains)]
        if domains:
            body["search_domain_filter"] = domains
        return body

    async def search(self, query: SearchQuery) -> SearchOutcome:
        headers = {"authorization": f"Bearer {self.upstream.api_key or 'unset'}"}
        payload = await self.http.post_json(self.upstream, "/perplexity/search", self.body(query), headers)
        async with upstream_errors():
            hits = tuple(SearchHit(title=text(r, "title") or "", url=str(r["url"]), snippet=text(r, "snippet"),
                                   published_date=text(r, "date")) for r in items(payload, "results"))
            return SearchOutcome(hits, None, scrubbed(payload))
