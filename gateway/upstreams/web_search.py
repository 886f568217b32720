"""Linkup web search for a chat turn (``web_search_linkup: true``, D-95 – D-97), once for every format.

:class:`WebSearch` (``GatewayState.web_search``, a seam) works on the IR: the text of the latest user
turn is searched through the Linkup adapter, the sources are given to the model in a system turn placed
just before that user turn, the per-call price is added to the request's fees, and a "Sources" footer is
appended to the answer unless ``disable_formatting`` (or an alias). :meth:`WebSearch.around` gives the
chat adapter that does this around the family's own; a request without the option gets the adapter as
it is. A failed search fails the request before any output, uncharged.
"""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from decimal import Decimal

from gateway.formats.search import sources_footer
from gateway.ir import ChatRequest, ChatResult, Finished, Message, StreamEvent, TextDelta
from gateway.ir.search import SearchHit, SearchQuery
from gateway.pricing import option_fee
from gateway.upstreams.base import ChatAdapter
from gateway.upstreams.search.base import SearchAdapter

__all__ = ["OPTION", "RESULTS", "WebSearch"]

OPTION = "web_search_linkup"
RESULTS = 5
"""Sources retrieved per search."""
CONTEXT_HEADING = "Web search results (Linkup) for the user's latest message; use them as context and cite them by number."


class WebSearch:
    """The steps of a web-searched chat turn, one method each (the test-mode seams)."""

    def __init__(self, linkup: SearchAdapter) -> None:
        self.linkup = linkup

    def wanted(self, request: ChatRequest) -> bool:
        return request.options.get(OPTION) is True

    def query(self, request: ChatRequest) -> str | None:
        """The latest user turn's text (None when it has none: nothing is searched)."""
        latest = next((m for m in reversed(request.messages) if m.role == "user"), None)
        text = latest.content.strip() if latest is not None else ""
        return text or None

    async def sources(self, request: ChatRequest, text: str) -> tuple[SearchHit, ...]:
        found = await self.linkup.search(SearchQuery(model=request.model, query=text, max_results=RESULTS,
                                                     output_type="searchResults"))
        return found.hits

    def fee(self, request: ChatRequest) -> Decimal:
        """The model's per-call web search price (D-97)."""
        return option_fee(request.model.public.get("pricing_rows") or [], OPTION)

    def grounded(self, request: ChatRequest, hits: tuple[SearchHit, ...]) -> ChatRequest:
        """``request`` with the sources in a system turn just before the latest user turn."""
        if not hits:
            return request
        lines = [CONTEXT_HEADING]
        for i, hit in enumerate(hits, start=1):
            lines.append(f"[{i}] {hit.title or hit.url} — {hit.url}")
            if hit.snippet or hit.content:
                lines.append(str(hit.snippet or hit.content))
        at = max((i for i, m in enumerate(request.messages) if m.role == "user"), default=len(request.messages))
        messages = [*request.messages[:at], Message("system", "\n".join(lines)), *request.messages[at:]]
        return dataclasses.replace(request, messages=messages)

    def footer(self, request: ChatRequest, hits: tuple[SearchHit, ...]) -> str:
        """The Markdown "Sources" list appended to the answer; none with ``disable_formatting`` (D-96)."""
        return "" if request.raw else sources_footer(hits)

    async def searched(self, request: ChatRequest) -> tuple[ChatRequest, str]:
        """Search, charge the call on ``request`` and give (the grounded request, the footer)."""
        text = self.query(request)
        if text is None:
            return request, ""
        hits = await self.sources(request, text)
        request.fees += self.fee(request)
        return self.grounded(request, hits), self.footer(request, hits)

    def around(self, adapter: ChatAdapter, request: ChatRequest) -> ChatAdapter:
        """The adapter serving ``request``: ``adapter`` itself unless the request asks for web search."""
        return _Searched(adapter, self) if self.wanted(request) else adapter


class _Searched:
    def __init__(self, inner: ChatAdapter, web: WebSearch) -> None:
        self.inner, self.web = inner, web

    async def complete(self, request: ChatRequest) -> ChatResult:
        grounded, footer = await self.web.searched(request)
        result = await self.inner.complete(grounded)
        if footer and result.finish != "tool_calls":
            result.text += footer
        return result

    async def stream(self, request: ChatRequest) -> AsyncIterator[StreamEvent]:
        grounded, footer = await self.web.searched(request)
        events = self.inner.stream(grounded)
        try:
            async for event in events:
                if footer and isinstance(event, Finished):
                    if event.finish != "tool_calls":
                        yield TextDelta(footer)
                    footer = ""
                yield event
        finally:
            close = getattr(events, "aclose", None)
            if close is not None:
                await close()
