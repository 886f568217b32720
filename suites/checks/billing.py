"""Rules of billing on delivery, checked by ``suites/test_hostile_disconnects.py`` against the balance an
operator's ``--balance-url`` reports (D-74) and the oracle of :mod:`suites.ledger`."""

from __future__ import annotations

from decimal import Decimal

from suites.checks import expect
from suites.rules import register

__all__ = ["billed", "billed_between"]

register("billed_listed_price", "docs:billing-and-credits#how-credits-work",
         "a delivered answer debits the balance its usage at the model's listed prices")
register("cut_after_content_billed_usage", "decision:D-75",
         "a stream the client closes after the upstream's usage arrived, before the final frame, is billed that "
         "usage exactly")
register("partial_stream_billed_estimate", "decision:D-75",
         "a stream the client cuts before the usage is billed ceil(chars/4) of the request's text in and of the "
         "deltas delivered out: no less than what the client read, no more than the whole answer")
register("non_stream_disconnect_unbilled", "decision:D-76",
         "a non-stream request whose client leaves before the answer is not billed, and its upstream call stops")
register("undelivered_answer_unbilled", "decision:D-77",
         "an answer whose last write fails is not billed (the debit follows delivery)")


def billed(rule: str, amount: Decimal, expected: Decimal, what: str) -> None:
    """``amount`` debited must be ``expected`` (USD, to the nano-dollar)."""
    expect(rule, abs(amount - expected) < Decimal("0.000000001"), f"{what}: {expected} USD debited",
           f"{amount} USD")


def billed_between(rule: str, amount: Decimal, low: Decimal, high: Decimal, what: str) -> None:
    """``amount`` debited must lie in ``[low, high]`` (USD)."""
    expect(rule, low <= amount <= high, f"{what}: between {low} and {high} USD debited", f"{amount} USD")
