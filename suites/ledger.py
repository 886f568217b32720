"""The billing oracle of the disconnect checks (D-74): a deployment's balance through ``--balance-url``, the
cost of a usage at the prices ``/v1/models`` lists, and the estimate a cut stream is billed (D-75).

Nothing here reads the gateway: prices come from the model's ``pricing_rows`` (token rows without
``conditions``; the tier whose ``min_tokens``–``max_tokens`` covers the prompt; cached prompt tokens at the
``cache_read`` rate when the model lists one), usage from what the client received.
"""

from __future__ import annotations

import time
from decimal import Decimal
from typing import Any

import httpx

__all__ = ["CHARS_PER_TOKEN", "Ledger", "cost", "estimate_tokens", "token_prices"]

CHARS_PER_TOKEN = 4
SETTLE_SECONDS = 3.0
"""How long a balance may take to move after the client left (the gateway settles when it notices)."""


def estimate_tokens(chars: int) -> int:
    """D-75's estimate: ``ceil(chars / 4)``."""
    return -(-chars // CHARS_PER_TOKEN)


def _covers(tier: dict[str, Any] | None, prompt_tokens: int) -> bool:
    low, high = int((tier or {}).get("min_tokens") or 0), (tier or {}).get("max_tokens")
    return (prompt_tokens > low or low == 0) and (high is None or prompt_tokens <= int(high))


def token_prices(model: dict[str, Any], prompt_tokens: int) -> dict[str, Decimal]:
    """USD per token by direction (``input``, ``output``, ``cache_read``) for a prompt of that size."""
    prices: dict[str, Decimal] = {}
    for row in model.get("pricing_rows") or ():
        if row.get("unit") != "token" or row.get("kind", "rate") != "rate" or row.get("conditions"):
            continue
        if row.get("direction") not in prices and _covers(row.get("tier"), prompt_tokens):
            prices[row["direction"]] = Decimal(str(row["rate_usd"])) / Decimal(str(row["per"]))
    return prices


def cost(model: dict[str, Any], prompt_tokens: int, completion_tokens: int, cached_tokens: int = 0) -> Decimal:
    """USD for that usage at the model's listed prices."""
    prices = token_prices(model, prompt_tokens)
    cached = cached_tokens if "cache_read" in prices else 0
    return ((prompt_tokens - cached) * prices.get("input", Decimal(0)) + cached * prices.get("cache_read", Decimal(0))
            + completion_tokens * prices.get("output", Decimal(0)))


def usage_cost(model: dict[str, Any], usage: dict[str, Any]) -> Decimal:
    """USD for a Chat Completions ``usage`` object."""
    cached = int(((usage.get("prompt_tokens_details") or {}).get("cached_tokens")) or 0)
    return cost(model, int(usage["prompt_tokens"]), int(usage["completion_tokens"]), cached)


class Ledger:
    """The balance of the session key's account, as ``--balance-url`` reports it."""

    def __init__(self, balance_url: str, api_key: str) -> None:
        self.balance_url, self.api_key = balance_url, api_key

    def balance(self) -> Decimal:
        response = httpx.get(self.balance_url, headers={"authorization": f"Bearer {self.api_key}"}, timeout=10)
        response.raise_for_status()
        return Decimal(str(response.json()["balance_usd"]))

    def billed_since(self, before: Decimal, *, settle: float = SETTLE_SECONDS) -> Decimal:
        """What was debited since ``before``: once the balance moved, or after ``settle`` seconds."""
        deadline = time.monotonic() + settle
        while True:
            now = self.balance()
            if now != before or time.monotonic() >= deadline:
                return before - now
            time.sleep(0.1)
