"""The suite checks that catch each defect of the rate limits (``gateway/testing/limits.py``)."""

from __future__ import annotations

_SUITE = "suites/test_rate_limits.py::"

CAUGHT_BY: dict[str, tuple[str, ...]] = {
    "limits_per_key": (_SUITE + "test_keys_of_one_account_share_one_budget",),
    "limits_fixed_window": (_SUITE + "test_no_burst_across_a_window_edge",),
    "limits_tokens_after_response": (_SUITE + "test_a_token_estimate_over_the_budget_is_refused_before_the_upstream",),
    "limits_reserve_prompt_only": (_SUITE + "test_a_token_estimate_over_the_budget_is_refused_before_the_upstream",),
    "limits_never_reconciled": (_SUITE + "test_a_finished_request_keeps_only_the_tokens_it_used",),
    "limits_over_admit": (_SUITE + "test_simultaneous_requests_admit_exactly_the_limit",),
    "limits_window_never_moves": (_SUITE + "test_admitted_again_once_the_window_moved",),
    "limits_remaining_frozen": (_SUITE + "test_remaining_decreases_and_reset_is_plausible",),
    "limits_no_headers_on_streams": (_SUITE + "test_headers_on_every_format_and_on_streams",),
    "limits_no_anthropic_headers": (_SUITE + "test_headers_on_every_format_and_on_streams",
                                    _SUITE + "test_429_on_messages_is_anthropic_rate_limit_error"),
    "limits_no_retry_after": (_SUITE + "test_exactly_the_limit_then_429",
                              _SUITE + "test_429_on_messages_is_anthropic_rate_limit_error"),
    "limits_no_retry_after_ms": (_SUITE + "test_exactly_the_limit_then_429",),
    "limits_openai_429_on_messages": (_SUITE + "test_429_on_messages_is_anthropic_rate_limit_error",),
}
