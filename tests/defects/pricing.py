"""The suite checks that catch each defect of the pricing engine (``gateway/testing/pricing.py``)."""

from __future__ import annotations

_P = "suites/test_pricing.py::"

CAUGHT_BY: dict[str, tuple[str, ...]] = {
    "rounding_drift": (_P + "test_many_calls_round_to_the_nano_and_sum_to_the_debits",),
    "tier_ignored": (_P + "test_context_tier_follows_the_prompt_size",),
    "cache_discount_ignored": (_P + "test_cached_prompt_tokens_at_the_cache_read_rate",),
    "reasoning_not_billed": (_P + "test_reasoning_tokens_are_billed_as_output",),
    "variant_base_price": (_P + "test_a_variant_is_billed_at_its_own_card",),
    "pairing_default_price": (_P + "test_a_pairing_is_billed_at_its_rows",),
    "stage_costs_missing": (_P + "test_stage_costs_sum_to_the_cost",),
    "per_message_unbilled": (_P + "test_per_message_row_is_charged_once",),
    "tool_call_fee_dropped": (_P + "test_tool_call_fee_is_charged",),
    "unpriced_pairing_free": (_P + "test_an_unpriced_option_is_refused",),
    "character_unit_ignored": (_P + "test_character_unit_is_billed_per_character",),
}
