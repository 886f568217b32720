"""Rules about ``POST /v1/search`` answers (``SearchResponse``): results, the formatted answer and its
raw form, the price (per call, per word scanned, per task tier, by tokens and counted calls), the detection
verdict, the agent task's answer and job, the cited sources."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from suites.checks import expect, fail, holds
from suites.rules import register

__all__ = ["RESULT_FIELDS", "SOURCES_HEADING", "answer_formatted", "answer_unformatted", "billed", "citations_listed",
           "detection_verdict", "expected_cost", "is_metered", "per_call_price", "request_values", "results_in_spec_names",
           "results_listed", "task_answered", "usage_is_price", "usage_is_tokens"]

register("search_results_listed", "docs:exa-search#example-request",
         "a plain query is answered 200 with a non-empty results list of titled URLs, the model and query echoed")
register("search_result_fields", "decision:D-84",
         "a result has only the spec's fields (title, url, snippet, content, published_date, author, score)")
register("search_sources_footer", "decision:D-85",
         "an answer ends with a **Sources** list of the results unless disable_formatting; raw only with it")
register("search_billed", "decision:D-86", "a served search debits the balance by its per-call price, once")
register("search_usage_cost", "decision:D-86", "usage.cost is the catalog's per-call price row the request selects")
register("search_detection_verdict", "docs:gptzero#at-a-glance",
         "a detection model answers a verdict (human, ai or mixed, probabilities in [0, 1], flagged sentences of the "
         "text) with no results and no answer")
register("search_detection_price", "decision:D-98",
         "a detection answer costs the per-word row's rate times the query's words over its per")
register("search_task_result", "docs:manus#at-a-glance",
         "an agent task answers its result text with the sources it cites (D-99)")
register("search_task_price", "decision:D-99", "an agent task costs the per-task row its agent_profile selects")
register("search_task_job", "decision:D-99",
         "async: true on an agent model is 202 with an agent_task job that completes with the SearchResponse; "
         "async on any other search model is 400 naming async")
register("search_citations_listed", "docs:perplexity-sonar#at-a-glance",
         "a Perplexity answer lists the URLs it cites in citations (D-100)")
register("search_token_price", "decision:D-100",
         "a model priced per token is charged its base fee plus its reported tokens and counted calls, usage "
         "listing the counts")

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


def request_values(model: dict[str, Any], request: dict[str, Any]) -> dict[str, Any]:
    """The model's listed parameters as ``request`` gives them, the catalog's defaults filled in."""
    params = [p for p in model.get("supported_parameters") or () if isinstance(p, dict) and "name" in p]
    values = {p["name"]: p["default"] for p in params if p.get("default") is not None}
    return values | {p["name"]: request[p["name"]] for p in params if request.get(p["name"]) is not None}


def _held(row: dict[str, Any], values: dict[str, Any]) -> bool:
    return all(values.get(key) == wanted for key, wanted in (row.get("conditions") or {}).items())


def per_call_price(pricing_rows: list[dict[str, Any]], *, results: int, premium: bool,
                   values: dict[str, Any] | None = None) -> Decimal:
    """D-86: the per-call row's USD (unit request or tool-call, per 1) for this many results and tier, among
    the rows whose conditions hold for ``values``."""
    rows = []
    for row in pricing_rows:
        if row.get("unit") not in ("request", "tool-call") or str(row.get("per", 1)) != "1":
            continue
        if not _held(row, values or {}):
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


def _rates(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [r for r in rows if r.get("kind", "rate") == "rate"]


def is_metered(model: dict[str, Any]) -> bool:
    """D-100: the model's catalog prices input tokens."""
    return any(r.get("unit") == "token" and r.get("direction") == "input" for r in _rates(model.get("pricing_rows") or []))


def _word_row(rows: list[dict[str, Any]]) -> dict[str, Any] | None:
    return next((r for r in _rates(rows) if r.get("unit") == "custom" and r.get("unit_label") == "word"), None)


COUNTS = ("input_tokens", "output_tokens", "reasoning_tokens", "citation_tokens", "search_queries", "url_fetches")


def _counted(usage: dict[str, Any]) -> dict[str, int]:
    counts = {name: usage.get(name) for name in COUNTS}
    bad = {k: v for k, v in counts.items() if isinstance(v, bool) or not isinstance(v, int) or v < 0}
    expect("search_token_price", not bad, f"usage listing every count {COUNTS} as an integer", usage)
    return {k: int(v) for k, v in counts.items() if isinstance(v, int)}


def _token_count(row: dict[str, Any], counts: dict[str, int]) -> int:
    charge = str(row.get("charge", "")).lower()
    if row.get("direction") == "input":
        return counts["input_tokens"]
    if row.get("direction") == "output":
        return counts["reasoning_tokens" if "reasoning" in charge else "output_tokens"]
    return counts["citation_tokens"] if "citation" in charge else 0


def _metered_cost(rows: list[dict[str, Any]], results: int, premium: bool, values: dict[str, Any],
                  counts: dict[str, int]) -> Decimal:
    requests = [r for r in rows if r.get("unit") == "request"]
    cost = per_call_price(requests, results=results, premium=premium, values=values)
    for row in _rates(rows):
        rate, per = Decimal(str(row["rate_usd"])), Decimal(str(row.get("per", 1)))
        if row.get("unit") == "token":
            cost += rate * _token_count(row, counts) / per
        elif row.get("unit") == "tool-call" and per == 1:
            fetch = "fetch" in str(row.get("charge", "")).lower()
            cost += rate * counts["url_fetches" if fetch else "search_queries"]
    return cost


def expected_cost(model: dict[str, Any], request: dict[str, Any], usage: Any) -> Decimal:
    """What the answer to ``request`` must cost, by the suite's own arithmetic over the catalog rows: per
    word scanned (D-98), by base fee, tokens and counted calls (the counts ``usage`` reports, D-100), else the
    per-call row the request selects (D-86, D-99)."""
    rows = list(model.get("pricing_rows") or [])
    values = request_values(model, request)
    results = int(values.get("max_results") or 10)
    premium = request.get("search_depth") in ("advanced", "deep")
    word = _word_row(rows)
    if word is not None:
        words = len(str(request.get("query", "")).split())
        return Decimal(str(word["rate_usd"])) * words / Decimal(str(word.get("per", 1)))
    if is_metered(model):
        return _metered_cost(rows, results, premium, values, _counted(usage if isinstance(usage, dict) else {}))
    return per_call_price(rows, results=results, premium=premium, values=values)


def usage_is_tokens(body: dict[str, Any], model: dict[str, Any], request: dict[str, Any]) -> None:
    """Rule ``search_token_price``: the counts are there and the cost is their price."""
    rule = "search_token_price"
    expect(rule, isinstance(body.get("usage"), dict), "a usage object", body.get("usage"))
    usage: dict[str, Any] = body["usage"]
    counts = _counted(usage)
    holds(rule, counts["input_tokens"] > 0 and counts["output_tokens"] > 0,
          f"input and output tokens counted, got {counts}")
    holds(rule, usage.get("unit") == "token" and usage.get("quantity") == counts["input_tokens"] +
          counts["output_tokens"], f"unit token, quantity input + output tokens, got {usage}")
    want = expected_cost(model, request, usage)
    cost = usage.get("cost")
    ok = isinstance(cost, (int, float)) and not isinstance(cost, bool) and abs(Decimal(str(cost)) - want) < \
        Decimal("0.0000001")
    expect(rule, ok, f"usage.cost {want} (base fee + tokens + counted calls)", usage)


def cost_is(rule: str, body: dict[str, Any], price: Decimal) -> None:
    """``usage.cost`` is ``price`` (to 1e-7 USD), under ``rule``."""
    usage = body.get("usage")
    cost = usage.get("cost") if isinstance(usage, dict) else None
    ok = isinstance(cost, (int, float)) and not isinstance(cost, bool) and abs(Decimal(str(cost)) - price) < \
        Decimal("0.0000001")
    expect(rule, ok, f"usage.cost {price}", usage)


def detection_verdict(body: Any, model_id: str, text: str) -> dict[str, Any]:
    """Rule ``search_detection_verdict``: the verdict, checked."""
    rule = "search_detection_verdict"
    expect(rule, isinstance(body, dict) and body.get("object") == "search.result" and body.get("model") == model_id,
           f"a search.result of {model_id}", body)
    verdict = body.get("detection")
    expect(rule, isinstance(verdict, dict), "a detection object", verdict)
    expect(rule, verdict.get("classification") in ("human", "ai", "mixed"), "classification human, ai or mixed",
           verdict.get("classification"))
    for name in ("ai_probability", "human_probability", "mixed_probability"):
        value = verdict.get(name)
        holds(rule, isinstance(value, (int, float)) and not isinstance(value, bool) and 0 <= value <= 1,
              f"{name} in [0, 1], got {value!r}")
    flagged = verdict.get("flagged_sentences")
    holds(rule, isinstance(flagged, list) and all(isinstance(f, str) and f in " ".join(text.split()) for f in flagged),
          f"flagged_sentences are sentences of the text, got {flagged!r}")
    holds(rule, body.get("results") == [] and body.get("answer") is None, "no results and no answer")
    return dict(verdict)


def task_answered(body: Any, model_id: str) -> str:
    """Rule ``search_task_result``: an answer text for the task, the sources it cites listed."""
    rule = "search_task_result"
    expect(rule, isinstance(body, dict) and body.get("object") == "search.result" and body.get("model") == model_id,
           f"a search.result of {model_id}", body)
    answer = body.get("answer")
    expect(rule, isinstance(answer, str) and answer.strip() != "", "a non-empty answer", answer)
    cited = body.get("citations")
    holds(rule, isinstance(cited, list) and cited == [r.get("url") for r in body.get("results") or ()],
          f"citations are the cited results' URLs, got {cited!r}")
    return str(answer)


def citations_listed(body: Any) -> list[str]:
    """Rule ``search_citations_listed``: the answer's cited URLs."""
    cited = body.get("citations") if isinstance(body, dict) else None
    expect("search_citations_listed", isinstance(cited, list) and len(cited) > 0 and all(
        isinstance(c, str) and c.startswith(("http://", "https://")) for c in cited),
        "a non-empty list of cited http(s) URLs", cited)
    return [str(c) for c in cited or ()]
