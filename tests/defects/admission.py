"""The suite checks that catch each defect of admission: credits and the rate limit
(``gateway/testing/admission.py``)."""

from __future__ import annotations

_CHAT_ERRORS = "suites/test_chat_errors.py::"

CAUGHT_BY: dict[str, tuple[str, ...]] = {
    "chat_zero_credit_allowed": (_CHAT_ERRORS + "test_insufficient_credits_is_402",),
    "chat_rate_limit_ignored": (_CHAT_ERRORS + "test_rate_limit_is_429",),
}
