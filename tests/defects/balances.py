"""The suite checks that catch each defect of balances and holds (``gateway/testing/balances.py``)."""

from __future__ import annotations

_BALANCES = "suites/test_balances.py::"

CAUGHT_BY: dict[str, tuple[str, ...]] = {
    "balance_checked_not_held": (_BALANCES + "test_a_hold_the_balance_cannot_cover_is_402",
                                 _BALANCES + "test_concurrent_calls_never_overdraw"),
    "reserve_check_then_hold": (_BALANCES + "test_concurrent_calls_never_overdraw",),
    "estimate_not_held": (_BALANCES + "test_a_hold_the_balance_cannot_cover_is_402",
                          _BALANCES + "test_concurrent_calls_never_overdraw"),
    "hold_never_released": (_BALANCES + "test_the_balance_falls_by_exactly_the_reported_costs",
                            _BALANCES + "test_a_call_the_upstream_failed_costs_nothing"),
    "failed_upstream_charged_in_full": (_BALANCES + "test_a_call_the_upstream_failed_costs_nothing",),
    "settled_at_the_estimate": (_BALANCES + "test_the_balance_falls_by_exactly_the_reported_costs",),
}
