"""The suite checks that catch each defect of admission: credits and the rate limit
(``gateway/testing/admission.py``)."""

from __future__ import annotations

_CHAT_ERRORS = "suites/test_chat_errors.py::"

CAUGHT_BY: dict[str, tuple[str, ...]] = {
    "chat_zero_credit_allowed": (
        _CHAT_ERRORS + "test_insufficient_credits_is_402",
        "suites/test_messages.py::test_errors_in_anthropic_envelope[402-zero-credits]",
        "suites/test_responses.py::test_errors_in_openai_envelope[402-zero-credits]",
        "suites/test_balances.py::test_a_zero_balance_is_402",
    ),
    "chat_rate_limit_ignored": (
        _CHAT_ERRORS + "test_rate_limit_is_429",
        "suites/test_messages.py::test_errors_in_anthropic_envelope[429-rate-limited]",
        "suites/test_responses.py::test_errors_in_openai_envelope[429-rate-limited]",
    ),
}
