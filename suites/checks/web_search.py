"""Rules about Linkup web search on chat (``web_search_linkup: true``): the Sources footer, formatting off,
the per-call price in ``usage.cost``, what reached the upstreams, and a model that does not offer it."""

from __future__ import annotations

import json
import re
from decimal import Decimal
from typing import Any

from suites.checks import expect, fail, holds
from suites.rules import register

__all__ = ["OPTION", "SOURCES", "footer_urls", "has_footer", "latest_turn_searched", "no_footer", "search_fee",
           "sources_given", "token_cost", "usage_includes_fee"]

OPTION = "web_search_linkup"
SOURCES = re.compile(r"\bSources\b")
_URL = re.compile(r"https?://[^\s)\]>\"']+")

register("linkup_sources_footer", "docs:deepreasoning#parameters",
         "with web_search_linkup: true the answer ends with a Sources footer listing the retrieved sources' URLs")
register("linkup_footer_disabled", "docs:deepreasoning#parameters",
         "disable_formatting (or raw, passthrough, raw_response) leaves the Sources footer out of the answer")
register("linkup_search_price", "docs:deepreasoning#pricing",
         "usage.cost is the tokens' price plus the Web Search (Linkup) per-call price, exactly once")
register("linkup_latest_turn", "docs:deepreasoning#parameters",
         "the web search's query is the latest user message (not an earlier turn)")
register("linkup_sources_to_model", "docs:deepreasoning#parameters",
         "the retrieved sources are provided to the model: the chat upstream's request carries every footer URL")


def footer_urls(text: str) -> list[str]:
    """The URLs after the last "Sources" heading of ``text`` ([] without one)."""
    found = list(SOURCES.finditer(text))
    return _URL.findall(text[found[-1].end():]) if found else []


def has_footer(text: str, label: str) -> list[str]:
    """Rule ``linkup_sources_footer``: a Sources footer with at least one URL; its URLs."""
    urls = footer_urls(text)
    expect("linkup_sources_footer", bool(urls), f"{label}: a Sources footer listing URLs", text[-300:])
    return urls


def no_footer(text: str, flag: str) -> None:
    """Rule ``linkup_footer_disabled``."""
    holds("linkup_footer_disabled", not footer_urls(text),
          f"{flag}=true still appends a Sources footer: {text[-300:]!r}")


def search_fee(model: dict[str, Any]) -> Decimal | None:
    """The per-call row that ``web_search_linkup: true`` selects (None when the model lists none)."""
    for row in model.get("pricing_rows") or ():
        if (row.get("conditions") or {}) == {OPTION: True} and row.get("unit") in ("request", "tool-call"):
            return Decimal(str(row["rate_usd"]))
    return None


def _held(model: dict[str, Any], body: dict[str, Any]) -> dict[str, Any]:
    """The request's value of every option a price row names: the request's, else the model's default."""
    defaults = model.get("default_params") or {}
    params = {p.get("name"): p for p in model.get("supported_parameters") or () if isinstance(p, dict)}
    names = {k for row in model.get("pricing_rows") or () for k in (row.get("conditions") or {})}
    return {n: body.get(n, defaults.get(n, (params.get(n) or {}).get("default"))) for n in names}


def _covers(tier: dict[str, Any] | None, prompt: int) -> bool:
    low, high = int((tier or {}).get("min_tokens") or 0), (tier or {}).get("max_tokens")
    return (prompt > low or low == 0) and (high is None or prompt <= int(high))


def token_cost(model: dict[str, Any], body: dict[str, Any], prompt: int, completion: int, cached: int = 0) -> Decimal:
    """USD of the tokens at the rows that apply to ``body`` (rows whose conditions it meets, by prompt tier)."""
    held, prices = _held(model, body), {}
    for row in model.get("pricing_rows") or ():
        if row.get("unit") != "token" or row.get("kind", "rate") != "rate":
            continue
        if any(held.get(k) != v for k, v in (row.get("conditions") or {}).items()):
            continue
        if row.get("direction") not in prices and _covers(row.get("tier"), prompt):
            prices[row["direction"]] = Decimal(str(row["rate_usd"])) / Decimal(str(row["per"]))
    cached = cached if "cache_read" in prices else 0
    return ((prompt - cached) * prices.get("input", Decimal(0)) + cached * prices.get("cache_read", Decimal(0))
            + completion * prices.get("output", Decimal(0)))


def usage_includes_fee(usage: dict[str, Any] | None, model: dict[str, Any], body: dict[str, Any],
                       fee: Decimal) -> None:
    """Rule ``linkup_search_price``: chat ``usage.cost`` = its tokens' price + ``fee``."""
    rule = "linkup_search_price"
    cost = (usage or {}).get("cost")
    expect(rule, isinstance(cost, (int, float)) and not isinstance(cost, bool), "usage.cost, a number", usage)
    assert usage is not None
    cached = int(((usage.get("prompt_tokens_details") or {}).get("cached_tokens")) or 0)
    tokens = token_cost(model, body, int(usage["prompt_tokens"]), int(usage["completion_tokens"]), cached)
    extra = Decimal(str(cost)) - tokens
    holds(rule, abs(extra - fee) < Decimal("0.00000001"),
          f"usage.cost {cost} is the tokens' {tokens} plus {extra}, not plus the search price {fee} once")


def _strings(value: Any) -> list[str]:
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    return [value] if isinstance(value, str) else []


def latest_turn_searched(upstream: list[dict[str, Any]], latest: str, earlier: str) -> None:
    """Rule ``linkup_latest_turn``: an upstream request other than the chat call has the latest user turn as
    a top-level field, and none the earlier turn."""
    bodies = [e.get("body") or {} for e in upstream if isinstance(e.get("body"), dict)]
    searches = [b for b in bodies if "messages" not in b and any(s == latest for s in _strings(b))]
    if not searches:
        stale = [b for b in bodies if "messages" not in b and any(s == earlier for s in _strings(b))]
        fail("linkup_latest_turn", f"no search request with the latest user message as its query "
                                   f"({'the earlier turn was searched' if stale else 'none was made'}): "
                                   f"{json.dumps(bodies)[:300]}")


def sources_given(upstream: list[dict[str, Any]], urls: list[str]) -> None:
    """Rule ``linkup_sources_to_model``: a chat upstream request carries every URL of the footer."""
    chats = [json.dumps(e.get("body")) for e in upstream if isinstance(e.get("body"), dict) and
             ("messages" in e["body"] or "system" in e["body"])]
    holds("linkup_sources_to_model", any(all(u in c for u in urls) for c in chats),
          f"no chat upstream request carries the sources {urls[:3]} (of {len(chats)} chat request(s))")

