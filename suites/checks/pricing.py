"""Rules of the pricing engine (D-195..D-198): each call's ``usage.cost`` is the suite's own arithmetic from the
prices ``/v1/models`` publishes (``suites/pricing.py``), to the nano-USD."""

from __future__ import annotations

from suites.rules import register

__all__ = [
           "CACHE_READ",
           "CHARACTER",
           "PAIRING",
           "PER_MESSAGE",
           "REASONING",
           "ROUNDING",
           "STAGES",
           "TIER",
           "TOOL_CALL",
           "UNPRICED",
           "VARIANT",
]

ROUNDING = "pricing_rounding"
TIER = "pricing_tier"
CACHE_READ = "pricing_cache_read"
REASONING = "pricing_reasoning_as_output"
VARIANT = "pricing_variant_card"
PAIRING = "pricing_pairing_rows"
STAGES = "pricing_stage_costs"
PER_MESSAGE = "pricing_per_message"
TOOL_CALL = "pricing_tool_call_fee"
UNPRICED = "pricing_unpriced_option"
CHARACTER = "pricing_character_unit"

register(ROUNDING, "decision:D-195",
         "usage.cost is the exact cost rounded half to even to whole nano-USD, and the sum of the debits")
register(TIER, "decision:D-196", "the context tier the prompt size selects is the one billed")
register(CACHE_READ, "decision:D-196", "cached prompt tokens are billed at the cache-read rate")
register(REASONING, "decision:D-196", "reasoning tokens are billed at the output rate")
register(VARIANT, "decision:D-196", "a variant id is billed at its own rate card, not its base model's")
register(PAIRING, "decision:D-31", "DeepReasoning is billed at the rows of the pairing the request chose")
register(STAGES, "decision:D-198", "a composite model's usage.cost_details gives each stage's cost, summing to cost")
register(PER_MESSAGE, "decision:D-197", "a Per Message row is charged once per answered request")
register(TOOL_CALL, "decision:D-197", "a per-call tool-call row is charged for each call made")
register(UNPRICED, "decision:D-198", "an option value no published price covers is 400 unpriced_option naming it")
register(CHARACTER, "decision:D-192", "a per-character speech row is billed rate / per x the characters of input")
