"""The search family: four web search APIs, each in its provider's own published shape.

==============================  ==================  =============================================================
route                           auth                request → response
==============================  ==================  =============================================================
``POST /exa/search``            ``x-api-key``       ``{query, numResults, includeDomains, excludeDomains, type}``
                                                    → ``{requestId, resolvedSearchType, results: [{id, title, url,
                                                    publishedDate, author, score, text}], costDollars}``
``POST /exa/answer``            ``x-api-key``       ``{query, text}`` → ``{requestId, answer, citations: [{id,
                                                    title, url, publishedDate, author, text}], costDollars}``
``POST /tavily/search``         Bearer              ``{query, search_depth, max_results, include_domains,
                                                    exclude_domains, include_answer, include_raw_content}`` →
                                                    ``{query, answer, images, results: [{title, url, content,
                                                    score, raw_content}], response_time, request_id}``
``POST /linkup/v1/search``      Bearer              ``{q, depth, outputType, includeDomains, excludeDomains,
                                                    maxResults}`` → ``searchResults``: ``{results: [{type, name,
                                                    url, content}]}``; ``sourcedAnswer``: ``{answer, sources:
                                                    [{name, url, snippet}]}``
``POST /perplexity/search``     Bearer              ``{query, max_results, search_domain_filter}`` → ``{id,
                                                    results: [{title, url, snippet, date, last_updated}]}``
==============================  ==================  =============================================================

Beside them (D-101): GPTZero detection (:mod:`mocks.search.gptzero`), Manus tasks as an upstream job
(:mod:`mocks.search.manus`) and Perplexity chat completions (:mod:`mocks.search.perplexity_chat`).

Results are :func:`mocks.search.pages.pages_for` the query (``[[mock:...]]`` directives removed); the
directives in the query are the family's faults (``status``, ``latency``, ``hang``, ``malformed``,
``cut``). Errors use the OpenAI-style envelope with the leak bait; the success bodies carry the request
id where the real APIs do (Exa ``requestId``, Tavily ``request_id``, Perplexity ``id``), so a gateway
that passes them on is caught.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from starlette.routing import Route

from mocks.openai.dialect import OpenAIDialect
from mocks.provider import ApiError, Call, Family, dumps, endpoint
from mocks.search import gptzero, manus, perplexity_chat
from mocks.search.auth import bearer, key_header
from mocks.search.pages import Page, answer_for, pages_for
from mocks.wire import JSONDelivery

__all__ = ["routes"]

Build = Callable[[Call, str, list[Page]], dict[str, Any]]


_api_key = key_header("x-api-key")
_bearer = bearer


def _count(body: dict[str, Any], name: str, default: int) -> int:
    value = body.get(name, default)
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 100:
        raise ApiError(400, f"'{name}' must be an integer between 1 and 100.", param=name)
    return value


def _exa_search(call: Call, query: str, pages: list[Page]) -> dict[str, Any]:
    return {"requestId": call.request_id, "resolvedSearchType": "neural",
            "results": [{"id": p.url, "title": p.title, "url": p.url, "publishedDate": p.published_date,
                         "author": p.author, "score": p.score, "text": p.content} for p in pages],
            "costDollars": {"total": 0.005}}


def _exa_answer(call: Call, query: str, pages: list[Page]) -> dict[str, Any]:
    return {"requestId": call.request_id, "answer": answer_for(query),
            "citations": [{"id": p.url, "title": p.title, "url": p.url, "publishedDate": p.published_date,
                           "author": p.author, "text": p.content} for p in pages],
            "costDollars": {"total": 0.005}}


def _tavily(call: Call, query: str, pages: list[Page]) -> dict[str, Any]:
    raw = call.body.get("include_raw_content") is True
    return {"query": query, "answer": answer_for(query) if call.body.get("include_answer") else None,
            "images": [], "follow_up_questions": None,
            "results": [{"title": p.title, "url": p.url, "content": p.content, "score": p.score,
                         "raw_content": p.content if raw else None} for p in pages],
            "response_time": 0.01, "request_id": call.request_id}


def _linkup(call: Call, query: str, pages: list[Page]) -> dict[str, Any]:
    if call.body.get("outputType") == "sourcedAnswer":
        return {"answer": answer_for(query),
                "sources": [{"name": p.title, "url": p.url, "snippet": p.content} for p in pages]}
    return {"results": [{"type": "text", "name": p.title, "url": p.url, "content": p.content} for p in pages]}


def _perplexity(call: Call, query: str, pages: list[Page]) -> dict[str, Any]:
    return {"id": call.request_id,
            "results": [{"title": p.title, "url": p.url, "snippet": p.content, "date": p.published_date,
                         "last_updated": p.published_date} for p in pages]}


def _filters(body: dict[str, Any], names: tuple[str, str]) -> tuple[Any, Any]:
    """(include, exclude) domains; one name alone is Perplexity's list, where ``-domain`` excludes."""
    if names[1]:
        return body.get(names[0]), body.get(names[1])
    listed = [d for d in body.get(names[0]) or () if isinstance(d, str)]
    return [d for d in listed if not d.startswith("-")], [d[1:] for d in listed if d.startswith("-")]


def _handler(query_field: str, count: tuple[str, int], domains: tuple[str, str],
             build: Build) -> Callable[[Call], Awaitable[Any]]:
    async def handle(call: Call) -> Any:
        text = call.body.get(query_field)
        if not isinstance(text, str) or not text.strip():
            raise ApiError(400, f"'{query_field}' is required.", param=query_field)
        query, plan = call.plan(text)
        if plan.status:
            raise ApiError.injected(plan.status, plan)
        filters = _filters(call.body, domains)
        pages = pages_for(query.strip(), _count(call.body, *count), *filters)
        return JSONDelivery(dumps(build(call, query.strip(), pages)).encode(), 200, call.headers, plan)

    return handle


def routes(family: Family) -> list[Route]:
    envelope = OpenAIDialect()
    camel = ("includeDomains", "excludeDomains")
    table = (
        ("/exa/search", _api_key, _handler("query", ("numResults", 10), camel, _exa_search)),
        ("/exa/answer", _api_key, _handler("query", ("numResults", 5), camel, _exa_answer)),
        ("/tavily/search", _bearer, _handler("query", ("max_results", 5), ("include_domains", "exclude_domains"),
                                             _tavily)),
        ("/linkup/v1/search", _bearer, _handler("q", ("maxResults", 5), camel, _linkup)),
        ("/perplexity/search", _bearer, _handler("query", ("max_results", 10), ("search_domain_filter", ""),
                                                 _perplexity)),
    )
    return [*(Route(path, endpoint(family, envelope, auth, handle), methods=["POST"]) for path, auth, handle in table),
            *gptzero.routes(family), *manus.routes(family), *perplexity_chat.routes(family)]
