"""The ``/v1/search`` format: request bytes → :class:`~gateway.ir.search.SearchQuery`, and a
:class:`~gateway.ir.search.SearchOutcome` → the ``SearchResponse`` body (``specs/openapi.yaml``).

:class:`SearchCodec` is one object on ``GatewayState.search_codec`` (a seam). The request is held to the
spec's ``SearchRequest`` schema, then to the model's catalog parameters; a model must list ``/v1/search``
among its endpoints (D-47). With ``disable_formatting`` (or ``raw``, ``passthrough``, ``raw_response``)
the answer is the upstream's as given, without the "Sources" list, and ``raw`` holds the scrubbed
upstream payload (D-85).
"""

from __future__ import annotations

import re
import secrets
import time
from datetime import date
from decimal import Decimal
from typing import Any

from gateway.catalog import Catalog
from gateway.errors import InvalidRequest
from gateway.formats.json_body import parse_json
from gateway.formats.openai_chat.decode import RAW_FLAGS
from gateway.formats.parameters import check_parameters, resolve_model
from gateway.ir.search import SearchHit, SearchOutcome, SearchQuery
from gateway.pricing import CallPrice
from gateway.schemas import request_schema

__all__ = ["ENDPOINT", "SearchCodec", "sources_footer"]

ENDPOINT = "/v1/search"
_OWN = frozenset({"model", "query", *RAW_FLAGS})
_DATES = ("start_date", "end_date")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def sources_footer(hits: tuple[SearchHit, ...]) -> str:
    """The Markdown "Sources" list appended to a formatted answer."""
    lines = [f"{i}. [{hit.title or hit.url}]({hit.url})" for i, hit in enumerate(hits, start=1)]
    return "\n\n**Sources**\n" + "\n".join(lines) if lines else ""


def _check_dates(body: dict[str, Any]) -> None:
    """``start_date`` / ``end_date`` are RFC 3339 full dates (the schema's ``format: date``)."""
    for name in _DATES:
        value = body.get(name)
        if value is None:
            continue
        try:
            ok = isinstance(value, str) and _DATE.fullmatch(value) is not None and bool(date.fromisoformat(value))
        except ValueError:
            ok = False
        if not ok:
            raise InvalidRequest(f"Invalid request at '{name}': expected a date (YYYY-MM-DD).", param=name)


def _strings(value: Any) -> tuple[str, ...]:
    return tuple(v for v in value or () if isinstance(v, str))


class SearchCodec:
    """Decode and encode ``/v1/search`` (the format's whole contribution)."""

    def decode(self, raw: bytes, catalog: Catalog, *, endpoint: str | None = ENDPOINT) -> SearchQuery:
        body = parse_json(raw)
        request_schema("SearchRequest").check(body)
        _check_dates(body)
        model = resolve_model(catalog.get, body["model"], endpoint)
        check_parameters(model, body, skip=_OWN)
        return SearchQuery(
            model=model, query=body["query"], max_results=body.get("max_results"),
            search_depth=body.get("search_depth"), include_domains=_strings(body.get("include_domains")),
            exclude_domains=_strings(body.get("exclude_domains")), include_answer=body.get("include_answer") is True,
            include_raw_content=body.get("include_raw_content") is True, output_type=body.get("output_type"),
            raw=any(body.get(flag) is True for flag in RAW_FLAGS),
        )

    def hit(self, hit: SearchHit) -> dict[str, Any]:
        return {"title": hit.title, "url": hit.url, "snippet": hit.snippet, "content": hit.content,
                "published_date": hit.published_date, "author": hit.author, "score": hit.score}

    def answer(self, query: SearchQuery, outcome: SearchOutcome) -> str | None:
        if outcome.answer is None or query.raw:
            return outcome.answer
        return outcome.answer + sources_footer(outcome.hits)

    def encode(self, query: SearchQuery, outcome: SearchOutcome, price: CallPrice) -> dict[str, Any]:
        body: dict[str, Any] = {
            "id": f"search_{secrets.token_urlsafe(18)}",
            "object": "search.result", "created": int(time.time()), "model": query.model.id, "query": query.query,
            "answer": self.answer(query, outcome), "results": [self.hit(h) for h in outcome.hits],
        }
        if outcome.answer is not None:
            body["citations"] = [h.url for h in outcome.hits]
        body["usage"] = {"cost": _number(price.usd), "unit": price.unit, "quantity": 1}
        if query.raw:
            body["raw"] = outcome.payload
        return body


def _number(usd: Decimal) -> float | int:
    return int(usd) if usd == usd.to_integral_value() else float(usd)
