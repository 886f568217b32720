"""The ``/v1/search`` format: request bytes → :class:`~gateway.ir.search.SearchQuery`, and a
:class:`~gateway.ir.search.SearchOutcome` → the ``SearchResponse`` body (``specs/openapi.yaml``).

:class:`SearchCodec` is one object on ``GatewayState.search_codec`` (a seam). The request is held to the
spec's ``SearchRequest`` schema, then to the model's catalog parameters; a model must list ``/v1/search``
among its endpoints (D-47). With ``disable_formatting`` (or ``raw``, ``passthrough``, ``raw_response``)
the answer is the upstream's as given, without the "Sources" list, and ``raw`` holds the scrubbed
upstream payload (D-85, D-102). A detection verdict is ``detection`` (D-98); ``usage`` is the
:class:`~gateway.search_pricing.SearchPrice` charged (D-86, D-98 – D-100).
"""

from __future__ import annotations

import re
import secrets
import time
from datetime import date
from decimal import Decimal
from typing import Any

from gateway.catalog import Catalog, CatalogModel
from gateway.errors import InvalidRequest
from gateway.formats.json_body import parse_json
from gateway.formats.openai_chat.decode import RAW_FLAGS
from gateway.formats.parameters import check_parameters, resolve_model
from gateway.ir.search import Detection, SearchHit, SearchOutcome, SearchQuery
from gateway.schemas import request_schema
from gateway.search_pricing import SearchPrice, search_price

__all__ = ["DEFAULT_RESULTS", "ENDPOINT", "PREMIUM_DEPTHS", "SearchCodec", "results_priced", "sources_footer"]

ENDPOINT = "/v1/search"
_OWN = frozenset({"model", "query", "async", *RAW_FLAGS})
_DATES = ("start_date", "end_date")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
DEFAULT_RESULTS = 10
"""``max_results`` when the request and the catalog leave it out: what selects a results-range price row."""
PREMIUM_DEPTHS = frozenset({"advanced", "deep"})


def results_priced(query: SearchQuery) -> int:
    """The ``max_results`` a price row's results range is held to (D-86)."""
    if query.max_results is not None:
        return query.max_results
    declared = (query.model.parameters.get("max_results") or {}).get("default")
    return declared if isinstance(declared, int) else DEFAULT_RESULTS


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


def _values(model: CatalogModel, body: dict[str, Any]) -> dict[str, Any]:
    """The model's declared parameters as sent, the catalog's defaults filled in."""
    values = {name: spec["default"] for name, spec in model.parameters.items()
              if isinstance(spec, dict) and spec.get("default") is not None}
    return values | {name: body[name] for name in model.parameters if body.get(name) is not None}


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
            raw=any(body.get(flag) is True for flag in RAW_FLAGS), values=_values(model, body),
            asynchronous=body.get("async") is True,
        )

    def price(self, query: SearchQuery, outcome: SearchOutcome) -> SearchPrice:
        """What the answer costs (D-86, D-98 – D-100)."""
        return search_price(query.model.public.get("pricing_rows") or [], query=query.query,
                            results=results_priced(query), premium=query.search_depth in PREMIUM_DEPTHS,
                            values=query.values, meter=outcome.meter)

    def hit(self, hit: SearchHit) -> dict[str, Any]:
        return {"title": hit.title, "url": hit.url, "snippet": hit.snippet, "content": hit.content,
                "published_date": hit.published_date, "author": hit.author, "score": hit.score}

    def answer(self, query: SearchQuery, outcome: SearchOutcome) -> str | None:
        if outcome.answer is None or query.raw:
            return outcome.answer
        shown = outcome.formatted_answer if outcome.formatted_answer is not None else outcome.answer
        return shown + sources_footer(outcome.hits)

    def detection(self, detection: Detection) -> dict[str, Any]:
        return {"classification": detection.classification, "ai_probability": detection.ai_probability,
                "human_probability": detection.human_probability, "mixed_probability": detection.mixed_probability,
                "flagged_sentences": list(detection.flagged_sentences)}

    def usage(self, price: SearchPrice) -> dict[str, Any]:
        return {"cost": _number(price.usd), "unit": price.unit, "quantity": price.quantity, **price.counts}

    def encode(self, query: SearchQuery, outcome: SearchOutcome, price: SearchPrice) -> dict[str, Any]:
        body: dict[str, Any] = {
            "id": f"search_{secrets.token_urlsafe(18)}",
            "object": "search.result", "created": int(time.time()), "model": query.model.id, "query": query.query,
            "answer": self.answer(query, outcome), "results": [self.hit(h) for h in outcome.hits],
        }
        if outcome.answer is not None:
            cited = outcome.citations if outcome.citations is not None else tuple(h.url for h in outcome.hits)
            body["citations"] = list(cited)
        if outcome.detection is not None:
            body["detection"] = self.detection(outcome.detection)
        body["usage"] = self.usage(price)
        if query.raw:
            body["raw"] = outcome.payload
        return body


def _number(usd: Decimal) -> float | int:
    return int(usd) if usd == usd.to_integral_value() else float(usd)
