"""The suite checks that catch each defect of billing on delivery (``gateway/testing/billing.py``); the kill
between journal and write is proven by ``tests/gateway/test_delivery_billing.py``, its suite-visible twin
(a last write that fails) here."""

from __future__ import annotations

_DISCONNECTS = "suites/test_hostile_disconnects.py::"

CAUGHT_BY: dict[str, tuple[str, ...]] = {
    "stream_billed_zero_on_disconnect": (
        _DISCONNECTS + "test_stream_closed_after_the_last_content_is_billed_its_usage",
        _DISCONNECTS + "test_stream_cut_mid_answer_is_billed_what_was_delivered",
    ),
    "partial_stream_unbilled": (
        _DISCONNECTS + "test_stream_cut_mid_answer_is_billed_what_was_delivered",
    ),
    "upstream_not_cancelled_on_disconnect": (
        _DISCONNECTS + "test_non_stream_client_leaving_is_not_billed",
    ),
    "debit_before_delivery": (
        _DISCONNECTS + "test_answer_whose_last_write_fails_is_not_billed",
    ),
}
