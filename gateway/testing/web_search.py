"""Defects of Linkup web search on chat (D-95 – D-97): the search not made, an earlier turn searched, the
sources withheld from the model, the footer missing or kept despite ``disable_formatting``, the call
charged never or twice.

Seam: the :class:`~gateway.upstreams.web_search.WebSearch` on ``state.web_search``, its step methods
replaced on the instance.
"""

from __future__ import annotations

from decimal import Decimal

from gateway.formats.search import sources_footer
from gateway.ir import ChatRequest
from gateway.ir.search import SearchHit
from gateway.state import GatewayState
from gateway.testing.registry import ActiveDefects, defect

__all__ = ["install"]

NOT_PERFORMED = defect("web_search_not_performed",
                       "web_search_linkup: true searches, footers and charges the answer (D-95)")
WRONG_TURN = defect("web_search_wrong_turn", "the latest user turn is the search query (D-95)")
SOURCES_WITHHELD = defect("web_search_sources_withheld", "the sources are given to the model (D-95)")
FOOTER_MISSING = defect("web_search_footer_missing", "a Sources footer lists the sources (D-96)")
FOOTER_DESPITE_RAW = defect("web_search_footer_despite_raw",
                            "disable_formatting (and aliases) leaves the Sources footer out (D-96)")
NOT_CHARGED = defect("web_search_not_charged", "the per-call search price is in usage.cost (D-97)")
CHARGED_TWICE = defect("web_search_charged_twice", "the per-call search price is charged once (D-97)")


def install(state: GatewayState, active: ActiveDefects) -> None:
    web = state.web_search
    wanted, query, fee, grounded, footer = web.wanted, web.query, web.fee, web.grounded, web.footer

    def patched_wanted(request: ChatRequest) -> bool:
        return wanted(request) and not active.on(NOT_PERFORMED.name)

    def patched_query(request: ChatRequest) -> str | None:
        if active.on(WRONG_TURN.name):
            first = next((m for m in request.messages if m.role == "user" and m.content.strip()), None)
            return first.content.strip() if first is not None else None
        return query(request)

    def patched_fee(request: ChatRequest) -> Decimal:
        if active.on(NOT_CHARGED.name):
            return Decimal(0)
        return fee(request) * (2 if active.on(CHARGED_TWICE.name) else 1)

    def patched_grounded(request: ChatRequest, hits: tuple[SearchHit, ...]) -> ChatRequest:
        return request if active.on(SOURCES_WITHHELD.name) else grounded(request, hits)

    def patched_footer(request: ChatRequest, hits: tuple[SearchHit, ...]) -> str:
        if active.on(FOOTER_MISSING.name):
            return ""
        if active.on(FOOTER_DESPITE_RAW.name):
            return sources_footer(hits)
        return footer(request, hits)

    web.wanted = patched_wanted  # type: ignore[method-assign]
    web.query = patched_query  # type: ignore[method-assign]
    web.fee = patched_fee  # type: ignore[method-assign]
    web.grounded = patched_grounded  # type: ignore[method-assign]
    web.footer = patched_footer  # type: ignore[method-assign]
