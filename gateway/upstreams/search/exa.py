"""Exa: ``POST /exa/search`` (result lists) and ``POST /exa/answer`` (an answer with citations)."""

from __future__ import annotations

from typing import Any

from gateway.config import Upstream
from gateway.ir.search import SearchHit, SearchOutcome, SearchQuery
from gateway.upstreams.http import UpstreamHTTP, upstream_errors
from gateway.upstreams.search.base import items, number, scrubbed, text

__all__ = ["ExaAdapter"]


class ExaAdapter:
    def __init__(self, http: UpstreamHTTP, upstream: Upstream, *, answer: bool) -> None:
        self.http, self.upstream, self.answer = http, upstream, answer

    def body(self, query: SearchQuery) -> dict[str, Any]:
        body: dict[str, Any] = {"query": query.query}
        if self.answer:
            body["text"] = True
        else:
            body["type"] = "deep" if query.search_depth == "deep" else "auto"
            body["contents"] = {"text": True}
        if query.max_results is not None:
            body["numResults"] = query.max_results
        if query.include_domains:
            body["includeDomains"] = list(query.include_domains)
        if query.exclude_domains:
            body["excludeDomains"] = list(query.exclude_domains)
        return body

    async def search(self, query: SearchQuery) -> SearchOutcome:
        path = "/exa/answer" if self.answer else "/exa/search"
        headers = {"x-api-key": self.upstream.api_key or "unset"}
        payload = await self.http.post_json(self.upstream, path, self.body(query), headers)
        async with upstream_errors():
            found = items(payload, "citations" if self.answer else "results")
            hits = tuple(SearchHit(title=text(r, "title") or "", url=str(r["url"]), content=text(r, "text"),
                                   published_date=text(r, "publishedDate"), author=text(r, "author"),
                                   score=number(r, "score")) for r in found)
            return SearchOutcome(hits, text(payload, "answer") if self.answer else None, scrubbed(payload))
