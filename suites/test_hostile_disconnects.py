"""Hostile clients that leave: mid-stream, after the last content, mid non-stream, and when the last write
fails — each billed as decided (D-75..D-77), judged against the balance ``--balance-url`` reports and the
suite's own oracle (:mod:`suites.ledger`: prices from ``/v1/models``, usage from what the client saw).

Needs ``--balance-url`` (the docs have no balance API) and ``--mock-upstreams`` (the ``[[mock:...]]``
directives pace and stall the upstream); the failed-write check also ``--test-hooks``. Every test ends by
checking that the deployment still serves a valid request. The disconnects use a plain client, outside
the contract transport: an exchange cut on purpose is no contract violation.
"""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import httpx
import pytest

from suites.chat import CHAT, chat_body, complete
from suites.checks import behaviour, expect
from suites.checks import billing as checks
from suites.client import ApiClient
from suites.discovery import Discovery, lacking
from suites.hostile import Hostile
from suites.ledger import Ledger, cost, estimate_tokens, token_prices, usage_cost
from suites.plugin import Target
from suites.upstreams import UpstreamLog

UPSTREAM_LATENCY = 2.0
CLIENT_PATIENCE = 0.5


@pytest.fixture
def ledger(target: Target, balance_url: str, mock_upstreams: bool) -> Ledger:
    return Ledger(balance_url, target.api_key)


@pytest.fixture
def priced_model(discovery: Discovery) -> dict[str, Any]:
    model = discovery.plain_chat_model()
    if model is None:
        pytest.skip(lacking("Chat Completions model", "chat"))
    if not token_prices(model, 1).get("output"):
        pytest.skip(f"{model['id']} lists no per-token output price in pricing_rows: nothing to compare a bill with")
    return model


@pytest.fixture
def raw(target: Target) -> Iterator[httpx.Client]:
    """A client outside the contract transport, for exchanges the test cuts."""
    with httpx.Client(base_url=target.base_url, headers={"authorization": f"Bearer {target.api_key}"},
                      timeout=30) as client:
        yield client


def _text(what: str, *directives: str) -> str:
    return f"Billing check {what} {secrets.token_hex(4)}. " + " ".join(f"[[mock:{d}]]" for d in directives)


def _reference(api: ApiClient, ledger: Ledger, model: dict[str, Any], text: str) -> dict[str, Any]:
    """The same request answered whole (non-stream: the stream directives do not apply), billed at the
    listed prices: its answer and usage are what the cut stream would have produced."""
    before = ledger.balance()
    response = complete(api, chat_body(model, text))
    behaviour.status_is("valid_request_200", response, 200)
    answer: dict[str, Any] = response.json()
    checks.billed("billed_listed_price", ledger.billed_since(before), usage_cost(model, answer["usage"]),
                  "a whole answer")
    return answer


def _still_serves(hostile: Hostile, api: ApiClient, model: dict[str, Any]) -> None:
    """The deployment lists models and answers a chat request after the disconnect."""
    hostile.still_serves()
    behaviour.status_is("valid_request_200", complete(api, chat_body(model)), 200)


def _content(line: str) -> str:
    if not line.startswith("data:") or line[5:].strip() == "[DONE]":
        return ""
    payload = json.loads(line[5:])
    return "".join((c.get("delta") or {}).get("content") or "" for c in payload.get("choices") or ())


@pytest.mark.hostile("disconnects")
@pytest.mark.rule("billed_listed_price", "cut_after_content_billed_usage", "valid_request_200")
def test_stream_closed_after_the_last_content_is_billed_its_usage(
        api: ApiClient, raw: httpx.Client, ledger: Ledger, priced_model: dict[str, Any], hostile: Hostile) -> None:
    text = _text("after the content", "chunk=100000", "fault=stall:1000000")  # all content, then no terminator
    answer = _reference(api, ledger, priced_model, text)
    before = ledger.balance()
    hostile.sent()
    with raw.stream("POST", CHAT, json=chat_body(priced_model, text, stream=True)) as response:
        expect("cut_after_content_billed_usage", response.status_code == 200, "a 200 stream", response.status_code)
        received = ""
        for line in response.iter_lines():
            received += _content(line)
            if received == answer["choices"][0]["message"]["content"]:
                break
        time.sleep(2.0)  # the upstream's usage arrives (give a loaded machine time); its terminator never does
    checks.billed("cut_after_content_billed_usage", ledger.billed_since(before),
                  usage_cost(priced_model, answer["usage"]), "a stream closed before its final frame")
    _still_serves(hostile, api, priced_model)


@pytest.mark.hostile("disconnects")
@pytest.mark.rule("partial_stream_billed_estimate", "valid_request_200")
def test_stream_cut_mid_answer_is_billed_what_was_delivered(
        api: ApiClient, raw: httpx.Client, ledger: Ledger, priced_model: dict[str, Any], hostile: Hostile) -> None:
    text = _text("mid stream", "pace=50ms", "chunk=1")
    whole = _reference(api, ledger, priced_model, text)["choices"][0]["message"]["content"]
    before, deltas, received = ledger.balance(), 0, ""
    hostile.sent()
    with raw.stream("POST", CHAT, json=chat_body(priced_model, text, stream=True)) as response:
        for line in response.iter_lines():
            piece = _content(line)
            received, deltas = received + piece, deltas + bool(piece)
            if deltas == 5:
                break
    prompt = estimate_tokens(len(text))
    checks.billed_between("partial_stream_billed_estimate", ledger.billed_since(before),
                          cost(priced_model, prompt, estimate_tokens(len(received))),
                          cost(priced_model, prompt, estimate_tokens(len(whole))),
                          f"a stream cut after {len(received)} of {len(whole)} characters")
    _still_serves(hostile, api, priced_model)


@pytest.mark.hostile("disconnects")
@pytest.mark.rule("non_stream_disconnect_unbilled", "valid_request_200")
def test_non_stream_client_leaving_is_not_billed(
        api: ApiClient, raw: httpx.Client, ledger: Ledger, priced_model: dict[str, Any], target: Target,
        hostile: Hostile) -> None:
    text = _text("non-stream", f"fault=latency:{UPSTREAM_LATENCY:g}s")
    before = ledger.balance()
    hostile.sent()
    with pytest.raises(httpx.TimeoutException):
        raw.post(CHAT, json=chat_body(priced_model, text), timeout=CLIENT_PATIENCE)
    time.sleep(UPSTREAM_LATENCY + 0.5)  # past the upstream's answer, had the call gone on
    checks.billed("non_stream_disconnect_unbilled", ledger.billed_since(before, settle=0), Decimal(0),
                  "a client gone before the answer")
    log = UpstreamLog(target.mock_control)
    if log:  # the mocks note a caller that hung up on them
        entries = [e for _, e in log.received() if text in json.dumps(e.get("body"), ensure_ascii=False)]
        expect("non_stream_disconnect_unbilled", all(e.get("disconnected") for e in entries),
               "the upstream call (if it was made) hung up when the client left",
               [e.get("disconnected") for e in entries])
    _still_serves(hostile, api, priced_model)


@pytest.mark.hostile("disconnects")
@pytest.mark.rule("undelivered_answer_unbilled", "valid_request_200")
def test_answer_whose_last_write_fails_is_not_billed(
        api: ApiClient, raw: httpx.Client, ledger: Ledger, priced_model: dict[str, Any], test_hooks: bool,
        hostile: Hostile) -> None:
    before = ledger.balance()
    hostile.sent()
    try:
        response = raw.post(CHAT, json=chat_body(priced_model, _text("failed write")),
                            headers={"x-empirio-test": "drop-before-delivery"})
        expect("undelivered_answer_unbilled", response.status_code >= 500 or not response.content,
               "no answer delivered (the hook fails the last write)", response.status_code)
    except httpx.TransportError:
        pass
    checks.billed("undelivered_answer_unbilled", ledger.billed_since(before, settle=0.5), Decimal(0),
                  "an answer whose write failed")
    _still_serves(hostile, api, priced_model)
