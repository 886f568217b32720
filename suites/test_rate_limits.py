"""Rate limits that are exact (docs page 008, D-3, D-4, D-139 – D-145): exactly the limit admitted in any
window span, then 429 with ``retry-after``; simultaneous requests never over-admit; no burst across a window
edge; a token estimate over the budget refused before any upstream call; one budget per account, shared by
its keys; the headers on every format and on streams.

These spend the budget of the ``--limits-key`` account and wait for its window (``--limits-window``; the
self-launched reference's test account has 6 requests and 20,000 tokens per 3 s). Against the documented
60-second window (``--real-time-limits``) they take minutes: they are marked ``slow``.
"""

from __future__ import annotations

import math
import time
from typing import Any

import pytest

from suites import anthropic_stream, responses_stream
from suites.chat import chat_body, need
from suites.checks import errors, expect, holds
from suites.checks import rate_limits as checks
from suites.client import ApiClient
from suites.contract import Contract
from suites.discovery import CHAT, Discovery
from suites.plugin import Target
from suites.rate_limits import (
    MAX_TOKENS,
    STALE_CONNECTION,
    LimitsAccount,
    Send,
    Shot,
    admitted,
    burst,
    chat_sender,
    fresh,
    limits_account,
    shoot,
)
from suites.upstreams import not_forwarded

pytestmark = pytest.mark.slow


@pytest.fixture
def account(target: Target, limits_key: str) -> LimitsAccount:
    """The account whose budget these tests spend, its window empty."""
    found = limits_account(target.limits_window, limits_key, target.limits_second_key)
    fresh(found)
    return found


@pytest.fixture
def send(api: ApiClient, discovery: Discovery) -> Send:
    return chat_sender(api, need(discovery.plain_chat_model(), "chat model"))


def _limit(shot: Shot, dimension: str = "requests") -> int:
    value = shot.response.headers.get(f"x-ratelimit-limit-{dimension}", "")
    holds("rate_limit_headers", value.isdigit(), f"a counted answer states x-ratelimit-limit-{dimension}: {value!r}")
    return int(value)


def _spend_once(send: Send, key: str, cap: int) -> tuple[list[Shot], Shot]:
    shots: list[Shot] = []
    for _ in range(cap):
        shot = shoot(send, key)
        if shot.status == 429:
            return shots, shot
        expect("rate_limit_exact", shot.status == 200, "requests under the limit are answered 200",
               (shot.status, shot.response.text[:200]))
        shots.append(shot)
    pytest.fail(f"no 429 after {cap} requests")


def _spend(send: Send, account: LimitsAccount, key: str | None = None, *, cap: int = 1000) -> tuple[list[Shot], Shot]:
    """Requests one after another until the first 429: (the admitted ones, the refusal). Spending that took
    longer than the window (a loaded machine) proves nothing about one window: it is tried again."""
    for _ in range(3):
        shots, refused = _spend_once(send, key or account.key, cap)
        if not shots or refused.answered - shots[0].sent < account.window:
            return shots, refused
        fresh(account)
    pytest.fail(f"spending the budget took longer than the {account.window:g} s window three times")


@pytest.mark.rule("rate_limit_exact", "rate_limit_429", "rate_limit_retry_after", "rate_limit_retry_after_ms",
                  "error_code")
def test_exactly_the_limit_then_429(account: LimitsAccount, send: Send, contract: Contract) -> None:
    shots, refused = _spend(send, account)
    limit = _limit(shots[0])
    expect("rate_limit_exact", len(shots) == limit,
           f"exactly the limit of {limit} admitted in one window before the 429", len(shots))
    errors.openai_error(refused.response, contract, status=429, code="rate_limit_exceeded", type="rate_limit_error")
    checks.retry_after_seconds(refused.response, account.window)
    checks.retry_after_ms(refused.response, account.window)
    not_forwarded(refused.response)


@pytest.mark.rule("rate_limit_window_moves", "rate_limit_retry_after")
def test_admitted_again_once_the_window_moved(account: LimitsAccount, send: Send) -> None:
    _, refused = _spend(send, account)
    wait = checks.retry_after_seconds(refused.response, account.window)
    ms = refused.response.headers.get("retry-after-ms", "")
    time.sleep((int(ms) / 1000 if ms.isdigit() else wait) + 0.05)
    again = shoot(send, account.key)
    expect("rate_limit_window_moves", again.status == 200,
           "a request after the 429's retry-after is admitted", (again.status, again.response.text[:200]))


@pytest.mark.rule("rate_limit_concurrent", "rate_limit_exact")
def test_simultaneous_requests_admit_exactly_the_limit(account: LimitsAccount, send: Send) -> None:
    limit = _limit(shoot(send, account.key))
    for _ in range(3):  # a burst slower than the window (a loaded machine) cannot be judged: try again
        fresh(account)
        shots = burst(send, account.key, 2 * limit)
        span = max(s.answered for s in shots) - min(s.sent for s in shots)
        if span < account.window:
            break
    holds("rate_limit_concurrent", span < account.window,
          f"the burst took {span:.2f} s, longer than the {account.window:g} s window: exactness cannot be judged")
    statuses = sorted(s.status for s in shots)
    expect("rate_limit_concurrent", statuses == [200] * limit + [429] * limit,
           f"{2 * limit} simultaneous requests: exactly {limit} answered 200, the rest 429", statuses)


@pytest.mark.rule("rate_limit_sliding")
def test_no_burst_across_a_window_edge(account: LimitsAccount, send: Send) -> None:
    limit = _limit(shoot(send, account.key))
    first: float | None = None
    for _ in range(2):  # the second round half a window out of phase: a fixed edge cannot hide behind both
        fresh(account)
        if first is not None:
            time.sleep((account.window / 2 - (time.monotonic() - first)) % account.window)
        shots = burst(send, account.key, limit)
        first = first if first is not None else min(s.sent for s in shots)
        deadline = time.monotonic() + 2 * account.window
        while time.monotonic() < deadline:
            probe = shoot(send, account.key)
            shots.append(probe)
            if probe.status == 200:
                break
            time.sleep(account.window / 30)
        shots += burst(send, account.key, limit)
        checks.at_most_limit_in_any_window(admitted(shots), limit, account.window, rule="rate_limit_sliding",
                                           what="a burst, a probe until admitted, another burst")


@pytest.mark.rule("rate_limit_tokens_reserved", "rate_limit_429", "rejected_by_gateway")
def test_a_token_estimate_over_the_budget_is_refused_before_the_upstream(
        account: LimitsAccount, api: ApiClient, discovery: Discovery) -> None:
    model = need(discovery.plain_chat_model(), "chat model")
    first = shoot(chat_sender(api, model), account.key)
    tokens = _limit(first, "tokens")
    big = chat_body(model, "Write a long essay.", max_completion_tokens=tokens)
    response = api.post(CHAT, json=big, key=account.key, retry_429=False)
    expect("rate_limit_tokens_reserved", response.status_code == 429,
           f"a request asking for {tokens} output tokens (the whole token budget) plus a prompt is 429",
           (response.status_code, response.text[:200]))
    not_forwarded(response, "a request over the token budget")
    after = shoot(chat_sender(api, model), account.key)
    expect("rate_limit_tokens_reserved", after.status == 200,
           "a small request after the refused one is admitted", (after.status, after.response.text[:200]))


@pytest.mark.rule("rate_limit_reconciled")
def test_a_finished_request_keeps_only_the_tokens_it_used(account: LimitsAccount, api: ApiClient,
                                                          discovery: Discovery) -> None:
    model = need(discovery.plain_chat_model(), "chat model")
    tokens = _limit(shoot(chat_sender(api, model), account.key), "tokens")
    fresh(account)
    ask = tokens * 6 // 10  # two such reservations do not fit in the budget, two such answers do
    for stream in (False, True):
        for i in (1, 2):
            body = chat_body(model, "Answer in one word: yes or no?", max_completion_tokens=ask, stream=stream)
            response, text = _read(api, CHAT, body, account.key)
            expect("rate_limit_reconciled", response.status_code == 200,
                   f"request {i} ({'stream' if stream else 'non-stream'}) reserving {ask} of {tokens} tokens, "
                   "the one before it finished", (response.status_code, text[:200]))


@pytest.mark.rule("rate_limit_per_account")
def test_keys_of_one_account_share_one_budget(account: LimitsAccount, send: Send, limits_second_key: str,
                                              other_account_key: str) -> None:
    shots, _ = _spend(send, account)
    second = shoot(send, limits_second_key)
    expect("rate_limit_per_account", second.status == 429,
           f"another key of the account is refused once the first spent the {len(shots)} requests",
           (second.status, second.response.text[:200]))
    other = shoot(send, other_account_key)
    expect("rate_limit_per_account", other.status == 200, "another account is unaffected",
           (other.status, other.response.text[:200]))


@pytest.mark.rule("rate_limit_remaining", "rate_limit_headers")
def test_remaining_decreases_and_reset_is_plausible(account: LimitsAccount, send: Send) -> None:
    shots, _ = _spend(send, account)
    limit = _limit(shots[0])
    seen = [checks.ratelimit_headers(s.response, f"admitted request {i + 1}") for i, s in enumerate(shots)]
    remaining = [h.get("x-ratelimit-remaining-requests") for h in seen]
    expect("rate_limit_remaining", remaining == list(range(limit - 1, -1, -1)),
           f"remaining-requests after each of the {limit} admitted requests", remaining)
    for i, headers in enumerate(seen):
        reset = headers.get("x-ratelimit-reset-requests", 0)
        holds("rate_limit_remaining", 0 < reset <= math.ceil(account.window * 1000),
              f"admitted request {i + 1}: 0 < reset-requests ({reset} ms) <= the {account.window:g} s window")
        tokens_left, tokens = headers.get("x-ratelimit-remaining-tokens", 0), headers.get("x-ratelimit-limit-tokens", 0)
        holds("rate_limit_remaining", 0 <= tokens_left < tokens,
              f"admitted request {i + 1}: remaining-tokens {tokens_left} below the limit {tokens}")


def _read(api: ApiClient, path: str, body: dict[str, Any], key: str, **kwargs: Any) -> tuple[Any, str]:
    """The response of a stream read to its end (its head is what is checked), and its text."""
    for attempt in (1, 2):
        try:
            with api.stream("POST", path, json=body, key=key, retry_429=False, **kwargs) as response:
                text = b"".join(response.iter_bytes()).decode("utf-8", "replace")
            return response, text
        except STALE_CONNECTION:
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


@pytest.mark.rule("rate_limit_headers", "rate_limit_anthropic_headers")
def test_headers_on_every_format_and_on_streams(account: LimitsAccount, api: ApiClient,
                                                discovery: Discovery) -> None:
    chat = need(discovery.plain_chat_model(), "chat model")
    responses_model = responses_stream.plain_model(discovery, api)
    messages_model = anthropic_stream.plain_model(discovery, api)
    anthropic = {"anthropic-version": anthropic_stream.VERSION}
    cases = [
        ("Chat Completions", CHAT, chat_body(chat, max_completion_tokens=MAX_TOKENS), {}),
        ("Chat Completions stream", CHAT, chat_body(chat, max_completion_tokens=MAX_TOKENS, stream=True), {}),
        ("Responses", responses_stream.RESPONSES,
         responses_stream.response_body(responses_model, max_output_tokens=MAX_TOKENS), {}),
        ("Responses stream", responses_stream.RESPONSES,
         responses_stream.response_body(responses_model, max_output_tokens=MAX_TOKENS, stream=True), {}),
        ("Messages", anthropic_stream.MESSAGES,
         anthropic_stream.message_body(messages_model, max_tokens=MAX_TOKENS), anthropic),
        ("Messages stream", anthropic_stream.MESSAGES,
         anthropic_stream.message_body(messages_model, max_tokens=MAX_TOKENS, stream=True), anthropic),
    ]
    for what, path, body, headers in cases:
        response, text = _read(api, path, body, account.key, headers=headers)
        expect("rate_limit_headers", response.status_code == 200, f"{what}: answered", (response.status_code, text[:200]))
        checks.ratelimit_headers(response, what)
        if path == anthropic_stream.MESSAGES:
            checks.anthropic_headers(response, what)


@pytest.mark.rule("rate_limit_anthropic_429", "rate_limit_retry_after", "rate_limit_anthropic_headers")
def test_429_on_messages_is_anthropic_rate_limit_error(account: LimitsAccount, api: ApiClient,
                                                      discovery: Discovery, contract: Contract) -> None:
    model = anthropic_stream.plain_model(discovery, api)
    body = anthropic_stream.message_body(model, max_tokens=MAX_TOKENS)

    def send(key: str) -> Any:
        return anthropic_stream.create(api, body, key=key, retry_429=False)

    _, refused = _spend(send, account)
    error = errors.anthropic_error(refused.response, contract, status=429)
    expect("rate_limit_anthropic_429", error.get("type") == "rate_limit_error",
           "the 429 on /v1/messages is Anthropic's rate_limit_error", error)
    checks.retry_after_seconds(refused.response, account.window)
    checks.anthropic_headers(refused.response, "the 429 on /v1/messages")
