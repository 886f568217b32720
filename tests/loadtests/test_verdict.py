"""The profiles' thresholds on made-up samples: windows, the sound over-the-limit span, token refusals."""

from __future__ import annotations

from loadtests.samples import Sample, max_in_span, windows
from loadtests.verdict import Latency, Thresholds, judge

LIMIT = Thresholds(rpm=3, tpm=100, window=10.0, max_error_rate=0.0, max_p95_ms=50)


def _at(t: float, status: int = 200, **fields: object) -> Sample:
    retry = "1" if status == 429 else None
    return Sample(t, t + 0.05, status, retry_after=retry, **fields)  # type: ignore[arg-type]


def test_an_exact_burst_passes_window_by_window() -> None:
    samples = [_at(t) for t in (0, 0.1, 0.2)] + [_at(t, 429) for t in (1, 5, 9)] \
        + [_at(t) for t in (10.1, 10.2, 10.3)] + [_at(12, 429), _at(20.2), _at(20.3, 429)]
    assert judge("burst", samples, LIMIT) == []
    assert [(w.admitted, w.refused, w.complete) for w in windows(samples, 10, 20.3)] == \
        [(3, 3, True), (3, 1, True), (1, 1, False)]


def test_a_fixed_window_boundary_burst_is_over_the_limit_in_one_span() -> None:
    samples = [_at(t) for t in (0, 8, 8.1, 8.2, 10.0, 10.1, 10.2)] + [_at(10.3, 429)]
    assert max_in_span(samples, 10) == 6
    failures = judge("burst", samples, LIMIT)
    assert any("6 requests admitted within one 10-s span" in f for f in failures)


def test_fewer_than_the_limit_in_a_saturated_window_fails() -> None:
    samples = [_at(0), _at(0.1), _at(0.2, 429, remaining_requests=1)]
    assert judge("burst", samples, LIMIT) == ["window 0 admitted 2 with 1 refused; the limit is 3"]


def test_a_429_without_retry_after_fails() -> None:
    samples = [_at(0), _at(0.1), _at(0.2), Sample(0.3, 0.35, 429)]
    assert judge("burst", samples, LIMIT) == ["1 of 1 429 answers had no valid retry-after"]


def test_tpm_needs_a_token_refusal_below_the_request_limit() -> None:
    heavy = {"tokens": 60, "limit_tokens": 100}
    passing = [_at(0, remaining_tokens=40, **heavy), _at(0.1, 429, remaining_tokens=40, **heavy)]
    assert judge("tpm", passing, LIMIT) == []
    by_requests = [_at(t, remaining_tokens=100, **heavy) for t in (0, 0.1, 0.2)] \
        + [_at(0.3, 429, remaining_tokens=100, **heavy)]
    assert len(judge("tpm", by_requests, LIMIT)) == 2


def test_multiaccount_holds_error_rate_and_p95() -> None:
    samples = [_at(0), _at(1), _at(2, 429)]
    failures = judge("multiaccount", samples, LIMIT, Latency(10, 80, 90, 3.0))
    assert failures == ["error rate 33.33% (1 of 3, 429s included) over 0.00%", "p95 80 ms over 50 ms"]


def test_steady_fails_on_a_429_and_says_when_the_budget_was_spent_before() -> None:
    samples = [_at(0, remaining_requests=0), _at(1, 429, remaining_requests=0)]
    assert judge("steady", samples, LIMIT) == [
        "1 of 2 requests refused 429 under the limit (the budget was not fresh: 1 requests were left at the start)"]
    assert judge("steady", [_at(0, remaining_requests=2), _at(1)], LIMIT) == []
