"""Perplexity's chat-completion models (Sonar … Advanced Deep Research, D-100): ``POST
/perplexity/chat/completions`` with the query as the one user message; the assistant's text is the answer
(a leading ``<think>`` block removed when formatted), ``search_results`` the results, ``citations`` the
cited URLs, the usage the :class:`~gateway.ir.search.Meter` the price is counted from."""

from __future__ import annotations

import re
from typing import Any

from gateway.config import Upstream
from gateway.ir.search import Meter, SearchHit, SearchOutcome, SearchQuery
from gateway.upstreams.http import UpstreamHTTP, upstream_errors
from gateway.upstreams.search.base import count, items, scrubbed, text

__all__ = ["PerplexityChatAdapter", "without_thinking"]

_THINK = re.compile(r"^\s*<think>.*?</think>\s*", re.DOTALL)


def without_thinking(content: str) -> str:
    return _THINK.sub("", content, count=1)


def _meter(usage: Any) -> Meter:
    if not isinstance(usage, dict):
        raise TypeError("the upstream reported no usage")
    return Meter(input_tokens=count(usage, "prompt_tokens"), output_tokens=count(usage, "completion_tokens"),
                 reasoning_tokens=count(usage, "reasoning_tokens"), citation_tokens=count(usage, "citation_tokens"),
                 search_queries=count(usage, "num_search_queries"), url_fetches=count(usage, "num_url_fetches"))


def _content(payload: dict[str, Any]) -> str:
    choices = items(payload, "choices")
    message = choices[0].get("message") if choices else None
    content = message.get("content") if isinstance(message, dict) else None
    if not isinstance(content, str):
        raise TypeError("the upstream returned no answer")
    return content


class PerplexityChatAdapter:
    def __init__(self, http: UpstreamHTTP, upstream: Upstream, model: str) -> None:
        self.http, self.upstream, self.model = http, upstream, model

    def body(self, query: SearchQuery) -> dict[str, Any]:
        body: dict[str, Any] = {"model": self.model, "messages": [{"role": "user", "content": query.query}]}
        context = query.values.get("search_context_size")
        if isinstance(context, str):
            body["web_search_options"] = {"search_context_size": context}
        domains = [*query.include_domains, *(f"-{d}" for d in query.exclude_domains)]
        if domains:
            body["search_domain_filter"] = domains
        return body

    async def search(self, query: SearchQuery) -> SearchOutcome:
        headers = {"authorization": f"Bearer {self.upstream.api_key or 'unset'}"}
        payload = await self.http.post_json(self.upstream, "/perplexity/chat/completions", self.body(query), headers)
        async with upstream_errors():
            content = _content(payload)
            found = items(payload, "search_results")[:query.max_results or None]
            hits = tuple(SearchHit(title=text(r, "title") or "", url=str(r["url"]), snippet=text(r, "snippet"),
                                   published_date=text(r, "date")) for r in found)
            cited = payload.get("citations")
            citations = tuple(c for c in cited if isinstance(c, str)) if isinstance(cited, list) else None
            return SearchOutcome(hits, content, scrubbed(payload), citations=citations, meter=_meter(payload.get("usage")),
                                 formatted_answer=without_thinking(content))
