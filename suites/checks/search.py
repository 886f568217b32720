"""Rules about ``POST /v1/search`` answers (``SearchResponse``): results, the formatted answer and its
raw form, the per-call price."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from suites.checks import expect, fail, holds
from suites.rules import register

__all__ = ["RESULT_FIELDS", "SOURCES_HEADING", "answer_formatted", "answer_unformatted", "billed", "per_call_price",
           "results_in_spec_names", "results_listed", "usage_is_price"]

register("search_results_listed", "docs:exa-search#example-request",
         "a plain query is answered 200 with a non-empty results list of titled URLs, the model and query echoed")
register("search_result_fields", "decision:D-84",
         "a result has only the spec's fields (title, url, snippet, content, published_date, author, score)")
register("search_sources_footer", "decision:D-85",
         "an answer ends with a **Sources** list of the results unless disable_formatting; raw only with it")
register("search_billed", "decision:D-86", "a served search debits the balance by its per-call price, once")
register("search_usage_cost", "decision:D-86", "usage.cost is the catalog's per-call price row the request selects")

RESULT_FIELDS = frozenset({"title", "url", "snippet", "content", "published_date", "author", "score"})
SOURCES_HEADING = "**Sources**"
_RESULTS_RANGE = re.compile(r"\((\d+)-(\d+) results\)")
_PREMIUM = re.compile(r"\b(?:advanced|pro|deep)\b", re.IGNORECASE)


def results_listed(body: Any, model_id: str, query: str) -> list[dict[str, Any]]:
    """Rule ``search_results_listed``: the results, checked."""
    rule = "search_results_listed"
    expect(rule, isinstance(body, dict) and body.get("object") == "search.result", "object search.result", body)
    expect(rule, body.get("model") == model_id, f"model {model_id!r} echoed", body.get("model"))
    expect(rule, body.get("query") == query, f"query {query!r} echoed", body.get("query"))
    results = body.get("results")
    expect(rule, isinstance(results, list) and len(results) > 0, "a non-empty results list", results)
    for i, item in enumerate(results):
        ok = isinstance(item, dict) and isinstance(item.get("title"), str) and \
            isinstance(item.get("url"), str) and item["url"].startswith(("http://", "https://"))
        expect(rule, ok, f"results[{i}] with a title and an http(s) url", item)
    return list(results)


def results_in_spec_names(results: list[dict[str, Any]]) -> None:
    """Rule ``search_result_fields``: no provider field names besides the spec's."""
    for i, item in enumerate(results):
        extra = sorted(set(item) - RESULT_FIELDS)
        holds("search_result_fields", not extra, f"results[{i}] has fields the spec does not define: {extra}")


def answer_formatted(body: dict[str, Any]) -> None:
    """Formatting on: the answer lists every result's URL under **Sources**; no ``raw``."""
    answer = body.get("answer")
    if not isinstance(answer, str):
        return
    if SOURCES_HEADING not in answer:
        fail("search_sources_footer", f"the answer has no {SOURCES_HEADING} list: {answer[-200:]!r}")
        return
    missing = [r["url"] for r in body.get("results") or () if r.get("url") not in answer]
    holds("search_sources_footer", not missing, f"the Sources list misses result URLs {missing}")
    holds("search_sources_footer", "raw" not in body, "raw is present without disable_formatting")


def answer_unformatted(body: dict[str, Any], flag: str) -> None:
    """Formatting off (rule ``disable_formatting``): no Sources list, the upstream payload under ``raw``."""
    answer = body.get("answer")
    holds("disable_formatting", not (isinstance(answer, str) and SOURCES_HEADING in answer),
          f"{flag}=true still appends the {SOURCES_HEADING} list: {str(answer)[-200:]!r}")
    holds("search_sources_footer", isinstance(body.get("raw"), dict), f"{flag}=true gives no raw upstream payload")


def per_call_price(pricing_rows: list[dict[str, Any]], *, results: int, premium: bool) -> Decimal:
    """D-86: the per-call row's USD (unit request or tool-call, per 1) for this many results and tier."""
    rows = []
    for row in pricing_rows:
        if row.get("unit") not in ("request", "tool-call") or str(row.get("per", 1)) != "1":
            continue
        match = _RESULTS_RANGE.search(str(row.get("charge", "")))
        if match is None or int(match.group(1)) <= results <= int(match.group(2)):
            rows.append(row)
    tiered = [r for r in rows if bool(_PREMIUM.search(str(r.get("charge", "")))) == premium]
    chosen = (tiered or rows)[:1]
    return Decimal(str(chosen[0]["rate_usd"])) if chosen else Decimal(0)


def usage_is_price(body: dict[str, Any], price: Decimal) -> None:
    """Rule ``search_usage_cost``: ``usage.cost`` is ``price``."""
    usage = body.get("usage")
    cost = usage.get("cost") if isinstance(usage, dict) else None
    ok = isinstance(cost, (int, float)) and not isinstance(cost, bool) and abs(Decimal(str(cost)) - price) < \
        Decimal("0.0000001")
    expect("search_usage_cost", ok, f"usage.cost {price}", usage)


def billed(debited: Decimal, price: Decimal) -> None:
    """Rule ``search_billed``: the balance moved by ``price`` (to the nano-dollar)."""
    expect("search_billed", abs(debited - price) < Decimal("0.000000001"), f"a debit of {price} USD", debited)
