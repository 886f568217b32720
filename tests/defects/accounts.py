"""The suite checks that catch each defect of keys and the usage log (``gateway/testing/accounts.py``)."""

from __future__ import annotations

_KEYS = "suites/test_keys.py::"
_USAGE = "suites/test_usage.py::"

CAUGHT_BY: dict[str, tuple[str, ...]] = {
    "expired_key_accepted": (_KEYS + "test_an_expired_key_is_refused",),
    "key_limit_not_enforced": (_KEYS + "test_an_account_holds_at_most_50_keys",),
    "revocation_not_immediate": (_KEYS + "test_a_revoked_key_is_refused_at_once",),
    "usage_log_skips_failures": (_USAGE + "test_failed_calls_are_logged_with_their_status", _USAGE + "test_a_402_is_logged"),
    "usage_other_account_visible": (_USAGE + "test_another_accounts_calls_are_not_listed",),
    "usage_cost_mismatch": (_USAGE + "test_a_call_is_logged_as_it_was_answered",
                            _USAGE + "test_a_stream_is_logged_with_its_final_usage"),
    "usage_after_ignored": (_USAGE + "test_usage_pages_and_refuses_bad_parameters",),
}
