"""Linkup: ``POST /linkup/v1/search`` at ``standard`` or ``deep`` depth, ``searchResults`` or ``sourcedAnswer``."""

from __future__ import annotations

from typing import Any

from gateway.config import Upstream
from gateway.ir.search import SearchHit, SearchOutcome, SearchQuery
from gateway.upstreams.http import UpstreamHTTP, upstream_errors
from gateway.upstreams.search.base import items, scrubbed, text

__all__ = ["LinkupAdapter"]

OUTPUT_TYPES = ("searchResults", "sourcedAnswer")


class LinkupAdapter:
    def __init__(self, http: UpstreamHTTP, upstream: Upstream, *, depth: str) -> None:
        self.http, self.upstream, self.depth = http, upstream, depth

    def output_type(self, query: SearchQuery) -> str:
        if query.output_type in OUTPUT_TYPES:
            return str(query.output_type)
        return "sourcedAnswer" if query.include_answer else "searchResults"

    def body(self, query: SearchQuery) -> dict[str, Any]:
        body: dict[str, Any] = {"q": query.query, "depth": self.depth, "outputType": self.output_type(query)}
        if query.max_results is not None:
            body["maxResults"] = query.max_results
        if query.include_domains:
            body["includeDomains"] = list(query.include_domains)
        if query.exclude_domains:
            body["excludeDomains"] = list(query.exclude_domains)
        return body

    async def search(self, query: SearchQuery) -> SearchOutcome:
        headers = {"authorization": f"Bearer {self.upstream.api_key or 'unset'}"}
        answered = self.output_type(query) == "sourcedAnswer"
        payload = await self.http.post_json(self.upstream, "/linkup/v1/search", self.body(query), headers)
        async with upstream_errors():
            found = items(payload, "sources" if answered else "results")
            hits = tuple(SearchHit(title=text(r, "name") or "", url=str(r["url"]),
                                   snippet=text(r, "snippet" if answered else "content")) for r in found)
            return SearchOutcome(hits, text(payload, "answer") if answered else None, scrubbed(payload))
