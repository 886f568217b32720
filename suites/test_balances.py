"""Balances (issue 12): what a call debits, what admission holds, and that concurrency never overdraws.

The balance is read through ``--balance-url`` (the docs have no balance API); costs come from the responses'
``usage.cost`` only, added in decimal to the nano-USD the balance keeps. The checks that spend an account to
zero take ``--low-balance-key`` (a key of an account with about $0.02 and high rate limits, D-187) and skip
without it; the zero-balance check takes ``--zero-credit-key``.
"""

from __future__ import annotations

import math
import threading
import time
from decimal import Decimal
from typing import Any

import httpx
import pytest

from suites.chat import chat_body, complete
from suites.checks import balances as _rules  # noqa: F401  (registers this suite's rules)
from suites.checks import errors, expect
from suites.checks.behaviour import ok_json, status_is
from suites.client import ApiClient
from suites.contract import Contract
from suites.discovery import Discovery
from suites.ledger import token_prices
from suites.selection import need

NANO_USD = Decimal("0.000000001")
CALLS = 5
CONCURRENT = 200
SETTLE_SECONDS = 3.0

class Balances:
    """The balance (and, where the deployment reports them, held and available) of a key's account."""

    def __init__(self, url: str) -> None:
        self.url = url

    def read(self, key: str) -> dict[str, Decimal]:
        response = httpx.get(self.url, headers={"authorization": f"Bearer {key}"}, timeout=10)
        response.raise_for_status()
        return {name: Decimal(str(value)) for name, value in response.json().items() if name.endswith("_usd")}

    def balance(self, key: str) -> Decimal:
        return self.read(key)["balance_usd"]

    def held(self, key: str) -> Decimal:
        """What the account holds once two readings 0.2 s apart agree (a call answered just before may still be
        releasing its hold); 0 where the deployment does not report it."""
        deadline, last = time.monotonic() + SETTLE_SECONDS, self.read(key).get("held_usd", Decimal(0))
        while time.monotonic() < deadline:
            time.sleep(0.2)
            now = self.read(key).get("held_usd", Decimal(0))
            if now == last:
                break
            last = now
        return last

    def settled(self, key: str, expected: Decimal, held: Decimal = Decimal(0)) -> dict[str, Decimal]:
        """The reading once the balance is ``expected`` and the held amount is ``held`` (or after a few seconds)."""
        deadline = time.monotonic() + SETTLE_SECONDS
        while True:
            reading = self.read(key)
            if (reading["balance_usd"] == expected and reading.get("held_usd", Decimal(0)) == held) \
                    or time.monotonic() >= deadline:
                return reading
            time.sleep(0.1)


@pytest.fixture
def balances(balance_url: str) -> Balances:
    return Balances(balance_url)


def _cost(body: dict[str, Any]) -> Decimal:
    """The call's reported ``usage.cost`` in the nano-USD a balance keeps."""
    return Decimal(str((body.get("usage") or {}).get("cost", 0))).quantize(NANO_USD)


def _held_back(reading: dict[str, Decimal], rule: str, before: Decimal) -> None:
    """Every call's hold released once answered: the account holds what it held before the calls (holds of jobs
    it already had open, D-186, stay)."""
    if "held_usd" in reading:
        expect(rule, reading["held_usd"] == before, f"{before} held, as before the calls", reading)


@pytest.mark.rule("balance_debits_reported_cost", "balance_hold_released")
def test_the_balance_falls_by_exactly_the_reported_costs(api: ApiClient, discovery: Discovery, balances: Balances) -> None:
    """docs billing-and-credits ("API usage debits your balance"), D-180/D-181: the balance after N calls is the
    start minus the sum of the costs the responses reported, exactly; the holds are all released."""
    model = need(discovery.plain_chat_model(), "chat model")
    start, held = balances.balance(api.api_key), balances.held(api.api_key)
    spent = Decimal(0)
    for n in range(CALLS):
        body = ok_json("balance_debits_reported_cost",
                       complete(api, chat_body(model, f"Count to {n}.", max_completion_tokens=64 + n)))
        spent += _cost(body)
    expect("balance_debits_reported_cost", spent > 0, "calls that report a cost", spent)
    reading = balances.settled(api.api_key, start - spent, held)
    expect("balance_debits_reported_cost", reading["balance_usd"] == start - spent,
           f"{start} − {spent} = {start - spent} after {CALLS} calls", reading["balance_usd"])
    _held_back(reading, "balance_hold_released", held)


@pytest.mark.rule("credits_402", "openai_error_envelope")
def test_a_zero_balance_is_402(api: ApiClient, contract: Contract, discovery: Discovery, zero_credit_key: str) -> None:
    """docs billing-and-credits ("runs out of credits … 402 insufficient_credits"): any estimate, even the
    smallest, is refused at zero."""
    model = need(discovery.plain_chat_model(), "chat model")
    response = complete(api, chat_body(model, max_completion_tokens=1), key=zero_credit_key)
    errors.openai_error(response, contract, status=402, code="insufficient_credits", type="billing_error")


def _priciest_output(discovery: Discovery) -> dict[str, Any] | None:
    """The chat model whose output tokens cost the most (a hold is easiest to exceed there)."""
    priced = [m for m in discovery.chat_models() if token_prices(m, 1).get("output")]
    return max(priced, key=lambda m: (token_prices(m, 1)["output"], m["id"])) if priced else None


@pytest.mark.rule("balance_hold_402", "openai_error_envelope", "balance_hold_released")
def test_a_hold_the_balance_cannot_cover_is_402(api: ApiClient, contract: Contract, discovery: Discovery,
                                               balances: Balances, low_balance_key: str) -> None:
    """D-180: while the balance is above zero (a small call on the account is admitted), a request whose output
    limit alone costs more than twice what is available is 402 insufficient_credits (the hold of its estimated
    maximum cannot be covered) and debits nothing."""
    model = need(_priciest_output(discovery), "token-priced chat model")
    small = need(discovery.plain_chat_model(), "chat model")
    admitted = complete(api, chat_body(small, max_completion_tokens=1), key=low_balance_key)
    if admitted.status_code == 402:
        pytest.skip("the --low-balance-key account cannot pay even a one-token call: spent by an earlier check")
    status_is("balance_hold_402", admitted, 200)
    before = balances.settled(low_balance_key, balances.balance(low_balance_key), balances.held(low_balance_key))
    available = before.get("available_usd", before["balance_usd"])
    limit = int(model.get("max_output_tokens") or 0)
    needed = max(math.ceil(2 * available / token_prices(model, 1)["output"]), 1)
    if limit and needed > limit:
        pytest.skip(f"{model['id']}'s {limit} output tokens cost less than twice the {available} USD available")
    refused = complete(api, chat_body(model, max_completion_tokens=needed), key=low_balance_key)
    errors.openai_error(refused, contract, status=402, code="insufficient_credits", type="billing_error")
    held = before.get("held_usd", Decimal(0))
    after = balances.settled(low_balance_key, before["balance_usd"], held)
    expect("balance_hold_402", after["balance_usd"] == before["balance_usd"] > 0,
           "a 402 while the balance is above zero, debiting nothing", (before, after))
    _held_back(after, "balance_hold_released", held)


@pytest.mark.rule("balance_failed_call_free", "balance_hold_released")
def test_a_call_the_upstream_failed_costs_nothing(api: ApiClient, discovery: Discovery, balances: Balances,
                                                  mock_upstreams: bool) -> None:
    """D-180: the hold of a call whose upstream failed is released, not debited."""
    model = need(discovery.plain_chat_model(), "chat model")
    start, held = balances.balance(api.api_key), balances.held(api.api_key)
    failed = complete(api, chat_body(model, "[[mock:fault=status:400]] Say hello.", max_completion_tokens=64))
    expect("balance_failed_call_free", failed.status_code >= 400, "the upstream's failure answered as an error",
           failed.status_code)
    reading = balances.settled(api.api_key, start, held)
    expect("balance_failed_call_free", reading["balance_usd"] == start, "the balance unchanged by a failed call",
           (start, reading["balance_usd"]))
    _held_back(reading, "balance_hold_released", held)


@pytest.mark.rule("balance_never_negative", "balance_debits_reported_cost", "credits_402")
def test_concurrent_calls_never_overdraw(api: ApiClient, discovery: Discovery, balances: Balances,
                                         low_balance_key: str) -> None:
    """D-180, D-181: 200 simultaneous calls against a balance that covers only some of them leave it at or
    above zero; the others are 402 insufficient_credits, and the balance fell by exactly the costs the admitted
    ones reported (none admitted beyond what was held, none debited less than its cost)."""
    model = need(discovery.plain_chat_model(), "chat model")
    start = balances.balance(low_balance_key)
    if start <= Decimal("0.001"):
        pytest.skip(f"the --low-balance-key account has {start} USD: spent by an earlier run")
    rate = token_prices(model, 1000).get("input") or Decimal(0)
    if rate <= 0:
        pytest.skip(f"{model['id']} lists no input token price")
    words = max(min(math.ceil(start / 40 / rate), 20_000), 1)  # each call ~1/40 of the balance: 200 ask ~5×
    body = chat_body(model, "word " * words, max_completion_tokens=4)
    barrier, lock = threading.Barrier(CONCURRENT), threading.Lock()
    answers: list[httpx.Response] = []

    def one() -> None:
        barrier.wait()
        response = complete(api, body, key=low_balance_key, retry_429=False)
        with lock:
            answers.append(response)

    threads = [threading.Thread(target=one) for _ in range(CONCURRENT)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    statuses = sorted({r.status_code for r in answers})
    expect("balance_never_negative", set(statuses) <= {200, 402}, "every call 200 or 402", statuses)
    refused = [r for r in answers if r.status_code == 402]
    expect("credits_402", all("insufficient_credits" in r.text for r in refused),
           "every 402 insufficient_credits", [r.text[:120] for r in refused[:3]])
    admitted = [r for r in answers if r.status_code == 200]
    spent = sum((_cost(r.json()) for r in admitted), Decimal(0))
    reading = balances.settled(low_balance_key, start - spent)
    expect("balance_never_negative", reading["balance_usd"] >= 0, "a balance at or above zero", reading)
    expect("balance_never_negative", reading["balance_usd"] == start - spent,
           f"{len(admitted)} admitted calls reporting {spent} USD: the balance {start - spent}",
           reading["balance_usd"])
    expect("balance_never_negative", len(refused) > 0, f"some of {CONCURRENT} calls asking ~5× the balance refused",
           f"{len(admitted)} admitted")
