"""Cost of a request in USD from the catalog's ``pricing_rows``: token rows, tiered by prompt size, the
per-call row of a search model (D-86), the per-image row an image request selects (D-108) and the row a
video or transcription request selects (D-113).

:func:`~gateway.money.billed` is the one rounding point (D-195): every cost a route charges and reports is the exact
decimal cost rounded half to even to whole nano-USD, so ``usage.cost`` is the debit to the nano."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from gateway.ir import Usage
from gateway.money import NANO_USD, billed, cost_number

__all__ = ["NANO_USD", "PER_CALL_UNITS", "CallPrice", "MediaPrice", "TokenPrices", "billed", "call_price", "cost_number",
           "fits_size", "media_price", "message_fee", "option_fee", "per_image_row", "token_prices", "unpriced_option"]

@dataclass(frozen=True)
class _Rate:
    per_token: Decimal
    min_tokens: int
    max_tokens: int | None

    def covers(self, prompt_tokens: int) -> bool:
        above = prompt_tokens > self.min_tokens or self.min_tokens == 0
        return above and (self.max_tokens is None or prompt_tokens <= self.max_tokens)


@dataclass(frozen=True)
class TokenPrices:
    """Per-token rates of one model by direction; the tier is chosen by the prompt size."""

    rates: dict[str, tuple[_Rate, ...]]

    def _rate(self, direction: str, prompt_tokens: int) -> Decimal:
        rates = self.rates.get(direction, ())
        for rate in rates:
            if rate.covers(prompt_tokens):
                return rate.per_token
        return rates[-1].per_token if rates else Decimal(0)

    def cost(self, usage: Usage) -> Decimal:
        """Exact USD for ``usage`` (D-196): the prompt at the input rate of the tier its size selects, cached
        prompt tokens at the cache-read rate and cache writes at the cache-write rate when the model has
        them, output tokens (reasoning included: upstreams count it in the output) at the output rate."""
        n = usage.input_tokens
        cached = usage.cached_tokens if "cache_read" in self.rates else 0
        written = usage.cache_write_tokens if "cache_write" in self.rates else 0
        return (
            (n - cached - written) * self._rate("input", n)
            + cached * self._rate("cache_read", n)
            + written * self._rate("cache_write", n)
            + usage.output_tokens * self._rate("output", n)
        )


def token_prices(pricing_rows: list[dict[str, Any]], conditions: dict[str, Any] | None = None) -> TokenPrices:
    """The token rates that apply: rows without conditions, plus rows whose conditions all hold."""
    rates: dict[str, list[_Rate]] = {}
    held = conditions or {}
    for row in pricing_rows:
        if row.get("unit") != "token" or row.get("kind", "rate") != "rate":
            continue
        if any(held.get(key) != value for key, value in (row.get("conditions") or {}).items()):
            continue
        tier = row.get("tier") or {}
        rate = _Rate(Decimal(row["rate_usd"]) / Decimal(row["per"]), int(tier.get("min_tokens") or 0),
                     tier.get("max_tokens"))
        rates.setdefault(row["direction"], []).append(rate)
    discount = _cache_discount(pricing_rows)
    if discount is not None and "cache_read" not in rates and rates.get("input"):
        # D-196: Nova's "Cache Discount 44% off" — cached prompt tokens at the input rate less the discount
        rates["cache_read"] = [_Rate(r.per_token * (100 - discount) / 100, r.min_tokens, r.max_tokens)
                               for r in rates["input"]]
    return TokenPrices({k: tuple(sorted(v, key=lambda r: r.min_tokens)) for k, v in rates.items()})


def unpriced_option(pricing_rows: list[dict[str, Any]], options: dict[str, Any]) -> str | None:
    """D-198: the request option whose value selects no token row, or ``None``. An option that some token
    row's ``conditions`` name (DeepReasoning's ``anthropic_model``) must select one: a pairing the
    catalog lists without a price is refused, never billed at $0."""
    token_rows = [r for r in pricing_rows if r.get("unit") == "token" and r.get("kind", "rate") == "rate"]
    for name, value in options.items():
        named = [r for r in token_rows if name in (r.get("conditions") or {})]
        if named and not any(r["conditions"][name] == value for r in named):
            return name
    return None


def message_fee(pricing_rows: list[dict[str, Any]]) -> Decimal:
    """D-197: USD of the model's "Per Message" rows (unit ``request``, ``unit_label: message``), charged once
    for each answered chat request; 0 when it has none."""
    return sum((Decimal(str(r["rate_usd"])) for r in pricing_rows
                if r.get("unit") == "request" and r.get("unit_label") == "message"
                and r.get("kind", "rate") == "rate" and not r.get("conditions")), Decimal(0))


def _cache_discount(pricing_rows: list[dict[str, Any]]) -> Decimal | None:
    """The percent off of a ``kind: discount`` row on cached prompt tokens, if the model has one."""
    for row in pricing_rows:
        if row.get("kind") == "discount" and row.get("direction") == "cache_read" and row.get("discount_percent"):
            return Decimal(str(row["discount_percent"]))
    return None


@dataclass(frozen=True)
class CallPrice:
    """The price of one call of a per-call model (search): USD and the catalog row's unit."""

    usd: Decimal
    unit: str
    charge: str


_RESULTS_RANGE = re.compile(r"\((\d+)-(\d+) results\)")
_PREMIUM = re.compile(r"\b(?:advanced|pro|deep)\b", re.IGNORECASE)
PER_CALL_UNITS = ("request", "tool-call")


def _in_range(charge: str, results: int) -> bool:
    match = _RESULTS_RANGE.search(charge)
    return match is None or int(match.group(1)) <= results <= int(match.group(2))


def call_price(pricing_rows: list[dict[str, Any]], *, results: int, premium: bool,
               values: dict[str, Any] | None = None) -> CallPrice:
    """D-86: the per-call row a request selects. Rows priced per call (unit ``request`` or ``tool-call``,
    ``per: 1``) whose "(a-b results)" range, if any, holds ``results`` and whose ``conditions``, if any, hold
    for ``values``; among them the first whose label names a premium tier (Advanced, Pro, Deep) when
    ``premium``, else the first that does not; free when the model has no such row."""
    held = values or {}
    rows = [r for r in pricing_rows if r.get("unit") in PER_CALL_UNITS and str(r.get("per", 1)) == "1"
            and r.get("kind", "rate") == "rate" and _in_range(str(r.get("charge", "")), results)
            and all(_condition_holds(held, k, v) for k, v in (r.get("conditions") or {}).items())]
    tiered = [r for r in rows if bool(_PREMIUM.search(str(r.get("charge", "")))) == premium]
    chosen = tiered or rows
    if not chosen:
        return CallPrice(Decimal(0), "request", "")
    row = chosen[0]
    return CallPrice(Decimal(str(row["rate_usd"])), str(row["unit"]), str(row.get("charge", "")))


def option_fee(pricing_rows: list[dict[str, Any]], option: str) -> Decimal:
    """USD of the per-call row that the boolean request option ``option`` selects (``conditions: {option:
    true}``, e.g. ``web_search_linkup``, D-97); 0 when the model lists none."""
    for row in pricing_rows:
        if row.get("unit") in PER_CALL_UNITS and str(row.get("per", 1)) == "1" and \
                row.get("kind", "rate") == "rate" and (row.get("conditions") or {}) == {option: True}:
            return Decimal(str(row["rate_usd"]))
    return Decimal(0)


def fits_size(size: str, bound: str) -> bool:
    """Whether ``size`` (``WxH``) fits within ``bound`` (``WxH``) on both sides."""
    width, _, height = size.partition("x")
    max_width, _, max_height = bound.partition("x")
    return int(width) <= int(max_width) and int(height) <= int(max_height)


def _condition_holds(values: dict[str, Any], key: str, wanted: Any) -> bool:
    value = values.get(key)
    if isinstance(wanted, dict) and "max" in wanted:
        return isinstance(value, str) and fits_size(value, str(wanted["max"]))
    return bool(value == wanted)


def per_image_row(pricing_rows: list[dict[str, Any]], values: dict[str, Any]) -> dict[str, Any] | None:
    """D-108: the per-image row (unit ``image``, kind ``rate``) a request selects. When some rows carry
    ``conditions``, the first whose conditions all hold for ``values`` (the request's, defaults filled in;
    ``{"max": "WxH"}`` holds for a ``size`` within it); else the first row. ``None``: no row applies."""
    rows = [r for r in pricing_rows if r.get("unit") == "image" and r.get("kind", "rate") == "rate"]
    conditioned = [r for r in rows if r.get("conditions")]
    if not conditioned:
        return rows[0] if rows else None
    return next((r for r in conditioned
                 if all(_condition_holds(values, k, v) for k, v in r["conditions"].items())), None)
@dataclass(frozen=True)
class MediaPrice:
    """The row a media request is charged (D-113, D-115): ``rate_usd`` per ``per`` units of ``unit``."""

    rate: Decimal
    per: Decimal
    unit: str
    charge: str

    def cost(self, quantity: float) -> Decimal:
        """USD for ``quantity`` units (seconds); a per-video (``request``) row is charged once."""
        if self.unit == "request":
            return billed(self.rate)
        return billed(self.rate * Decimal(str(quantity)) / self.per)


def media_price(pricing_rows: list[dict[str, Any]], options: dict[str, Any], units: tuple[str, ...]) -> MediaPrice | None:
    """The first ``kind: rate`` row of one of ``units`` whose conditions all hold for ``options`` (rows without
    conditions always hold), or ``None``."""
    for row in pricing_rows:
        if row.get("unit") not in units or row.get("kind", "rate") != "rate":
            continue
        if any(options.get(key) != value for key, value in (row.get("conditions") or {}).items()):
            continue
        return MediaPrice(Decimal(str(row["rate_usd"])), Decimal(str(row.get("per") or 1)), str(row["unit"]),
                          str(row.get("charge", "")))
    return None
