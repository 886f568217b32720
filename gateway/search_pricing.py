"""What a ``/v1/search`` answer costs, by the kind of price its catalog rows publish: one per-call row
(D-86), a per-word row (detection, D-98), the per-task row a tier selects (D-99), or a base fee plus tokens
and counted calls (Perplexity's chat-completion models, D-100)."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from gateway.ir.search import Meter
from gateway.money import billed
from gateway.pricing import call_price

__all__ = ["SearchPrice", "is_metered", "search_price", "word_row", "words_in"]


@dataclass(frozen=True)
class SearchPrice:
    """USD charged, the unit and quantity it was charged for, and (D-100) the counted items."""

    usd: Decimal
    unit: str
    quantity: int
    counts: dict[str, int] = field(default_factory=dict)


def _rate_rows(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [r for r in rows if r.get("kind", "rate") == "rate"]


def word_row(rows: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The per-word row (unit ``custom``, ``unit_label: word``), if the model has one."""
    return next((r for r in _rate_rows(rows) if r.get("unit") == "custom" and r.get("unit_label") == "word"), None)


def is_metered(rows: list[dict[str, Any]]) -> bool:
    """D-100: the model prices input tokens, so its answers are charged by the upstream's usage."""
    return any(r.get("unit") == "token" and r.get("direction") == "input" for r in _rate_rows(rows))


def words_in(text: str) -> int:
    """D-98: the whitespace-separated runs of ``text``."""
    return len(text.split())


def _token_count(row: dict[str, Any], meter: Meter) -> int:
    charge, direction = str(row.get("charge", "")).lower(), row.get("direction")
    if direction == "input":
        return meter.input_tokens
    if direction == "output":
        return meter.reasoning_tokens if "reasoning" in charge else meter.output_tokens
    return meter.citation_tokens if "citation" in charge else 0


def _call_count(row: dict[str, Any], meter: Meter) -> int:
    return meter.url_fetches if "fetch" in str(row.get("charge", "")).lower() else meter.search_queries


def _metered(rows: list[dict[str, Any]], results: int, premium: bool, values: dict[str, Any],
             meter: Meter) -> SearchPrice:
    requests = [r for r in rows if r.get("unit") == "request"]
    usd = call_price(requests, results=results, premium=premium, values=values).usd if requests else Decimal(0)
    for row in _rate_rows(rows):
        rate, per = Decimal(str(row["rate_usd"])), Decimal(str(row.get("per", 1)))
        if row.get("unit") == "token":
            usd += rate * _token_count(row, meter) / per
        elif row.get("unit") == "tool-call" and per == 1:
            usd += rate * _call_count(row, meter)
    counts = {"input_tokens": meter.input_tokens, "output_tokens": meter.output_tokens,
              "reasoning_tokens": meter.reasoning_tokens, "citation_tokens": meter.citation_tokens,
              "search_queries": meter.search_queries, "url_fetches": meter.url_fetches}
    return SearchPrice(usd, "token", meter.input_tokens + meter.output_tokens, counts)


def search_price(rows: list[dict[str, Any]], *, query: str, results: int, premium: bool, values: dict[str, Any],
                 meter: Meter) -> SearchPrice:
    """The price of one answered search of a model with these ``rows``."""
    price = _price(rows, query=query, results=results, premium=premium, values=values, meter=meter)
    return SearchPrice(billed(price.usd), price.unit, price.quantity, price.counts)


def _price(rows: list[dict[str, Any]], *, query: str, results: int, premium: bool, values: dict[str, Any],
           meter: Meter) -> SearchPrice:
    word = word_row(rows)
    if word is not None:
        words = words_in(query)
        return SearchPrice(Decimal(str(word["rate_usd"])) * words / Decimal(str(word.get("per", 1))), "custom",
                           words)
    if is_metered(rows):
        return _metered(rows, results, premium, values, meter)
    call = call_price(rows, results=results, premium=premium, values=values)
    return SearchPrice(call.usd, call.unit, 1)
