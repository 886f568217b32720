"""Money as the gateway bills it (D-195): exact decimal USD, rounded once — half to even, to whole nano-USD —
when a route records a cost, so ``usage.cost``, the ``x-usage-cost`` header and the debit are one amount."""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal

__all__ = ["NANO_USD", "billed", "cost_number"]

NANO_USD = Decimal("0.000000001")


def billed(usd: Decimal) -> Decimal:
    """``usd`` rounded half to even to whole nano-USD — the amount debited and reported."""
    return Decimal(usd).quantize(NANO_USD, rounding=ROUND_HALF_EVEN)


def cost_number(usd: Decimal) -> float | int:
    """``usage.cost`` as a JSON number: the billed amount (at most 9 decimals), an integer when whole."""
    amount = billed(usd)
    return int(amount) if amount == amount.to_integral_value() else float(amount)
