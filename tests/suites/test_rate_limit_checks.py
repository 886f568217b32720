"""The rate-limit checks judged from client times only (D-145) and the duration parser."""

from __future__ import annotations

import pytest

from suites.checks import CheckFailure
from suites.checks.rate_limits import at_most_limit_in_any_window, duration_seconds


@pytest.mark.parametrize(("text", "seconds"), [("12ms", 0.012), ("3s", 3.0), ("2.5s", 2.5), ("1m0s", 60.0),
                                              ("1h2m3.5s", 3723.5), ("6m0s", 360.0)])
def test_durations(text: str, seconds: float) -> None:
    assert duration_seconds(text) == pytest.approx(seconds)


@pytest.mark.parametrize("text", ["", "3", "soon", "-1s"])
def test_not_durations(text: str) -> None:
    assert duration_seconds(text) is None


def test_admissions_a_window_apart_pass() -> None:
    shots = [(0.0, 0.05), (0.01, 0.06), (3.0, 3.05), (3.01, 3.06)]
    at_most_limit_in_any_window(shots, 2, 3.0, rule="rate_limit_sliding", what="two pairs")


def test_admissions_certainly_within_one_window_over_the_limit_fail() -> None:
    shots = [(0.0, 0.05), (0.01, 0.06), (1.8, 1.85), (1.81, 1.86)]
    with pytest.raises(CheckFailure, match="4 requests admitted within one 3 s window"):
        at_most_limit_in_any_window(shots, 2, 3.0, rule="rate_limit_sliding", what="a fixed edge")


def test_admissions_only_possibly_within_one_window_pass() -> None:
    shots = [(0.0, 0.05), (0.01, 0.06), (2.9, 3.05), (2.95, 3.1)]
    at_most_limit_in_any_window(shots, 2, 3.0, rule="rate_limit_sliding", what="near the edge")
