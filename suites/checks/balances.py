"""The rules of the balances suite (``suites/test_balances.py``): what a call debits, what admission holds, and
that concurrency never overdraws (docs billing-and-credits; D-180, D-181)."""

from __future__ import annotations

from suites.rules import register

__all__: list[str] = []

register("balance_debits_reported_cost", "docs:billing-and-credits#how-credits-work",
         "API usage debits the balance by the call's cost: after N calls it is the start minus the costs reported")
register("balance_hold_402", "decision:D-180",
         "a request whose estimated maximum cost the balance minus the holds cannot cover is 402 "
         "insufficient_credits, before any upstream call")
register("balance_hold_released", "decision:D-180", "a hold is released once its call is settled or failed")
register("balance_failed_call_free", "decision:D-180", "a call the upstream failed is not charged: its hold is released")
register("balance_never_negative", "decision:D-181",
         "whatever the concurrency the balance never goes below zero, and every admitted call is debited its cost")
