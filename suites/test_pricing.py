"""The pricing engine from outside (D-195..D-198): each call's ``usage.cost`` equals the suite's own arithmetic
(``suites/pricing.py``) from the prices ``GET /v1/models`` publishes and the usage the answer reports, to the
nano-USD — a context tier, the cache-read rate, reasoning as output, a variant's own card, a DeepReasoning
pairing and its stage costs, a per-message row, a per-call tool fee, the ``character`` unit, and the sum of many
calls; an option value no price covers is refused. Models are chosen by what their ``pricing_rows`` publish.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, cast

import pytest

from suites.chat import chat_body, complete, stream_chat
from suites.checks import expect, holds
from suites.checks import pricing as rules
from suites.client import ApiClient
from suites.discovery import Discovery, param
from suites.plugin import Target
from suites.pricing import Debits, chat_cost, message_fee, nano, option_values, rate, shown

CHAT = "/v1/chat/completions"
SPEECH = "/v1/audio/speech"


def _chat_models(discovery: Discovery) -> list[dict[str, Any]]:
    return discovery.serving(CHAT)


def _rows(model: dict[str, Any]) -> list[dict[str, Any]]:
    return [r for r in model.get("pricing_rows") or () if r.get("kind", "rate") == "rate"]


def _answer(api: ApiClient, rule: str, body: dict[str, Any]) -> dict[str, Any]:
    response = complete(api, body)
    expect(rule, response.status_code == 200, "200", f"{response.status_code}: {response.text[:300]}")
    answer: dict[str, Any] = response.json()
    return answer


def _cost_is(rule: str, model: dict[str, Any], body: dict[str, Any], usage: dict[str, Any],
             extra: Decimal = Decimal(0)) -> Decimal:
    """Fails ``rule`` unless ``usage.cost`` is the suite's exact cost (plus ``extra``), rounded to the nano-USD."""
    due = nano(chat_cost(model, usage, option_values(model, body)) + extra)
    cost = shown(usage.get("cost"))
    expect(rule, cost == due, f"usage.cost {due} for {model['id']} ({usage.get('prompt_tokens')} prompt, "
           f"{usage.get('completion_tokens')} completion tokens)", usage.get("cost"))
    return due


@pytest.mark.rule(rules.TIER)
def test_context_tier_follows_the_prompt_size(api: ApiClient, discovery: Discovery) -> None:
    """D-196 (model pages' "≤32K / 32K-128K" rows): a prompt past the first tier is billed at the next tier."""
    tiered = []
    for model in _chat_models(discovery):
        bounds = sorted(int((r.get("tier") or {}).get("min_tokens") or 0) for r in _rows(model)
                        if r.get("unit") == "token" and r.get("direction") == "input" and not r.get("conditions"))
        above = [b for b in bounds if b > 0]
        if above and above[0] < int(model.get("context_window") or 0) - 2000:
            tiered.append((above[0], model))
    if not tiered:
        pytest.skip("no chat model publishes a second context tier within its context window (pricing_rows.tier)")
    bound, model = min(tiered, key=lambda t: t[0])
    body = chat_body(model, "word " * (bound + 500) + "\nSay hello.", max_tokens=16)
    usage = _answer(api, rules.TIER, body).get("usage") or {}
    prompt = int(usage.get("prompt_tokens") or 0)
    holds(rules.TIER, prompt > bound, f"a prompt of more than {bound} tokens, got {prompt}")
    low, high = rate(model, "input", 1), rate(model, "input", prompt)
    holds(rules.TIER, low != high, f"{model['id']}'s tiers publish different input rates")
    _cost_is(rules.TIER, model, body, usage)


@pytest.mark.rule(rules.CACHE_READ)
def test_cached_prompt_tokens_at_the_cache_read_rate(api: ApiClient, discovery: Discovery) -> None:
    """D-196 ("Implicit cache read … per 1M cached input tokens", seed 001): cached tokens at that rate. The
    conversation has three turns, which the reference mocks report partly cached."""
    priced = [m for m in _chat_models(discovery)
              if any(r.get("unit") == "token" and r.get("direction") == "cache_read" for r in _rows(m))]
    if not priced:
        pytest.skip("no chat model publishes a cache_read token row")
    messages = [{"role": "user", "content": "Remember the number forty-two."},
                {"role": "assistant", "content": "Noted: forty-two."}, {"role": "user", "content": "Which number?"}]
    for model in priced:
        body = {"model": model["id"], "messages": messages, "max_tokens": 16}
        usage = _answer(api, rules.CACHE_READ, body).get("usage") or {}
        if int(((usage.get("prompt_tokens_details") or {}).get("cached_tokens")) or 0) > 0:
            _cost_is(rules.CACHE_READ, model, body, usage)
            return
    pytest.skip("no answer of a model with a cache_read row reported cached prompt tokens")


@pytest.mark.rule(rules.REASONING)
def test_reasoning_tokens_are_billed_as_output(api: ApiClient, discovery: Discovery) -> None:
    """D-196: reasoning tokens, within completion_tokens, are billed at the output rate."""
    thinking = [m for m in _chat_models(discovery) if (m.get("capabilities") or {}).get("thinking")
                and rate(m, "output", 1) and not any(r.get("conditions") for r in _rows(m) if r.get("unit") == "token")]
    for model in thinking:
        body = chat_body(model, max_tokens=256)
        usage = _answer(api, rules.REASONING, body).get("usage") or {}
        if int(((usage.get("completion_tokens_details") or {}).get("reasoning_tokens")) or 0) > 0:
            _cost_is(rules.REASONING, model, body, usage)
            return
    pytest.skip("no thinking chat model's answer reported reasoning_tokens")


@pytest.mark.rule(rules.VARIANT)
def test_a_variant_is_billed_at_its_own_card(api: ApiClient, discovery: Discovery) -> None:
    """D-196 (seed 001: ":variant1 … with its own rate card"): a variant's rows, not its base model's."""
    by_id = {m["id"]: m for m in discovery.models}
    variants = [m for m in _chat_models(discovery) if m.get("variant_of") in by_id
                and rate(m, "output", 1) != rate(by_id[m["variant_of"]], "output", 1)]
    if not variants:
        pytest.skip("no chat model is a variant (variant_of) with a rate card unlike its base's")
    model = variants[0]
    body = chat_body(model, max_tokens=64)
    _cost_is(rules.VARIANT, model, body, _answer(api, rules.VARIANT, body).get("usage") or {})


def _pairing_option(model: dict[str, Any]) -> str | None:
    names = {k for r in _rows(model) if r.get("unit") == "token" for k in (r.get("conditions") or {})}
    return next(iter(sorted(names)), None)


def _paired_models(discovery: Discovery) -> list[tuple[dict[str, Any], str]]:
    out = []
    for model in _chat_models(discovery):
        name = _pairing_option(model)
        if name is not None:
            out.append((model, name))
    return out


def _priced_values(model: dict[str, Any], name: str) -> list[Any]:
    return sorted({r["conditions"][name] for r in _rows(model) if name in (r.get("conditions") or {})}, key=str)


@pytest.mark.rule(rules.PAIRING)
def test_a_pairing_is_billed_at_its_rows(api: ApiClient, discovery: Discovery) -> None:
    """D-31 (seed 000's per-pairing prices): a non-default pairing is billed at its own rows."""
    paired = _paired_models(discovery)
    if not paired:
        pytest.skip("no chat model publishes token rows selected by a request option (conditions)")
    model, name = paired[0]
    default = option_values(model, {})[name]
    other = next((v for v in _priced_values(model, name)
                  if v != default and rate(model, "output", 1, {name: v}) != rate(model, "output", 1, {name: default})),
                 None)
    if other is None:
        pytest.skip(f"{model['id']} prices no {name} other than its default differently")
    body = chat_body(model, max_tokens=64, **{name: other})
    _cost_is(rules.PAIRING, model, body, _answer(api, rules.PAIRING, body).get("usage") or {})


@pytest.mark.rule(rules.STAGES)
def test_stage_costs_sum_to_the_cost(api: ApiClient, discovery: Discovery) -> None:
    """D-198: a composite model's usage.cost_details gives each stage's cost; they sum to usage.cost, in the
    answer and in the stream's final usage chunk."""
    composite = [m for m, name in _paired_models(discovery) if name == "anthropic_model"]
    if not composite:
        pytest.skip("no chat model publishes per-pairing (anthropic_model) rows: no composite model")
    model = composite[0]
    body = chat_body(model, max_tokens=64)
    usage = _answer(api, rules.STAGES, body).get("usage") or {}
    due = _cost_is(rules.STAGES, model, body, usage)
    details = usage.get("cost_details")
    expect(rules.STAGES, isinstance(details, dict) and {"reasoning", "synthesis"} <= set(details),
           "usage.cost_details with reasoning and synthesis", details)
    details = cast(dict[str, Any], details)
    parts = [shown(v) for v in details.values()]
    holds(rules.STAGES, all(p is not None and p == nano(p) for p in parts), f"nano-USD amounts, got {details}")
    total = sum((p for p in parts if p is not None), Decimal(0))
    expect(rules.STAGES, total == due, f"stages summing to usage.cost {due}", details)
    streamed = stream_chat(api, {**body, "stream": True, "stream_options": {"include_usage": True}})
    reported = [p["usage"] for p in streamed.payloads if "error" not in p and p.get("usage")]
    expect(rules.STAGES, bool(reported), "a final usage chunk (stream_options.include_usage)", streamed.payloads[-3:])
    final = reported[-1]
    stream_details = final.get("cost_details")
    expect(rules.STAGES, isinstance(stream_details, dict) and sum(
        (shown(v) or Decimal(0) for v in stream_details.values()), Decimal(0)) == shown(final.get("cost")),
        "the stream's usage chunk with cost_details summing to its cost", final)


@pytest.mark.rule(rules.PER_MESSAGE)
def test_per_message_row_is_charged_once(api: ApiClient, discovery: Discovery) -> None:
    """D-197 ("Per Message | fixed", e.g. Gemma 3 27B's page): the row once per answered request."""
    priced = [m for m in _chat_models(discovery) if message_fee(m) > 0]
    if not priced:
        pytest.skip("no chat model publishes a Per Message row (unit request, unit_label message)")
    model = priced[0]
    body = chat_body(model, max_tokens=32)
    usage = _answer(api, rules.PER_MESSAGE, body).get("usage") or {}
    due = _cost_is(rules.PER_MESSAGE, model, body, usage)
    holds(rules.PER_MESSAGE, due >= message_fee(model), f"a cost of at least the per-message {message_fee(model)}")


@pytest.mark.rule(rules.TOOL_CALL)
def test_tool_call_fee_is_charged(api: ApiClient, discovery: Discovery) -> None:
    """D-197, D-97 (seed 001: "Web Search (Linkup) $0.013 per call when invoked"): one search, one fee."""
    def fee(model: dict[str, Any]) -> Decimal | None:
        row = next((r for r in _rows(model) if r.get("unit") == "tool-call"
                    and (r.get("conditions") or {}) == {"web_search_linkup": True}), None)
        return None if row is None else Decimal(str(row["rate_usd"]))

    priced = [m for m in _chat_models(discovery) if fee(m) is not None]
    if not priced:
        pytest.skip("no chat model publishes a tool-call row selected by web_search_linkup")
    model = priced[0]
    body = chat_body(model, "What is new in Lisbon today?", max_tokens=64, web_search_linkup=True)
    usage = _answer(api, rules.TOOL_CALL, body).get("usage") or {}
    _cost_is(rules.TOOL_CALL, model, body, usage, extra=fee(model) or Decimal(0))


@pytest.mark.rule(rules.UNPRICED)
def test_an_unpriced_option_is_refused(api: ApiClient, discovery: Discovery) -> None:
    """D-198 (revises D-31; issue 12 "never free"): a listed value no row prices is 400 unpriced_option."""
    for model, name in _paired_models(discovery):
        listed = (param(model, name) or {}).get("enum") or []
        unpriced = [v for v in listed if v not in _priced_values(model, name)]
        if unpriced:
            response = complete(api, chat_body(model, max_tokens=16, **{name: unpriced[0]}))
            error = response.json().get("error") if response.headers.get("content-type", "").startswith(
                "application/json") else None
            expect(rules.UNPRICED, response.status_code == 400 and isinstance(error, dict)
                   and error.get("code") == "unpriced_option" and error.get("param") == name,
                   f"400 unpriced_option naming {name}", f"{response.status_code}: {response.text[:300]}")
            return
    pytest.skip("no chat model lists an option value that no pricing row covers")


@pytest.mark.rule(rules.CHARACTER)
def test_character_unit_is_billed_per_character(api: ApiClient, discovery: Discovery) -> None:
    """D-192 (GLM-TTS, SoulX-Podcast: "per 1k characters"): rate / per x len(input), in x-usage-cost."""
    def row_of(model: dict[str, Any]) -> dict[str, Any] | None:
        rows = _rows(model)
        if any(r.get("unit") == "token" for r in rows):
            return None
        return next((r for r in rows if r.get("unit") == "character"), None)

    priced = [(m, row) for m in discovery.serving(SPEECH) if (row := row_of(m)) is not None]
    if not priced:
        pytest.skip("no speech model publishes a character row")
    model, row = priced[0]
    text = "The quick brown fox jumps over the lazy dog, twice: the quick brown fox."
    response = api.post(SPEECH, json={"model": model["id"], "input": text})
    expect(rules.CHARACTER, response.status_code == 200, "200", f"{response.status_code}: {response.text[:200]}")
    due = nano(Decimal(str(row["rate_usd"])) * len(text) / Decimal(str(row.get("per") or 1)))
    expect(rules.CHARACTER, shown(response.headers.get("x-usage-cost")) == due, f"x-usage-cost {due}",
           response.headers.get("x-usage-cost"))


@pytest.mark.rule(rules.ROUNDING)
def test_many_calls_round_to_the_nano_and_sum_to_the_debits(api: ApiClient, discovery: Discovery,
                                                            target: Target) -> None:
    """D-195: each of 20 calls' usage.cost is the exact cost rounded half to even to the nano-USD; with
    --balance-url the debits are their sum."""
    plain = [m for m in _chat_models(discovery) if rate(m, "input", 1) and not message_fee(m)
             and not any(r.get("conditions") or r.get("tier") for r in _rows(m) if r.get("unit") == "token")]
    if not plain:
        pytest.skip("no chat model publishes plain (untiered, unconditioned) token rows")
    model = plain[0]
    debits, total = Debits(target.balance_url, target.api_key).start(), Decimal(0)
    for i in range(20):
        body = chat_body(model, f"Say hello to visitor number {i} in {i % 5 + 1} words.", max_tokens=24)
        total += _cost_is(rules.ROUNDING, model, body, _answer(api, rules.ROUNDING, body).get("usage") or {})
    billed = debits.since()
    if billed is not None:
        expect(rules.ROUNDING, billed == total, f"debits of {total} USD in all", f"{billed} USD")
