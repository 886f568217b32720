"""The suites' own pricing oracle (D-195..D-198): what a call costs, computed from the ``pricing_rows`` that
``GET /v1/models`` publishes and the usage the answer reports, in decimal arithmetic — never the gateway's
code. :func:`nano` is the one rounding (half to even, to whole nano-USD); :class:`Debits` reads what the
account was charged through ``--balance-url``, when the deployment offers one.
"""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

from suites.ledger import Ledger

__all__ = ["Debits", "chat_cost", "message_fee", "nano", "option_values", "rate", "shown"]

NANO = Decimal("0.000000001")


def nano(usd: Decimal) -> Decimal:
    """``usd`` rounded half to even to whole nano-USD (D-195)."""
    return usd.quantize(NANO, rounding=ROUND_HALF_EVEN)


def shown(value: Any) -> Decimal | None:
    """A reported cost (a JSON number or a decimal string) as a ``Decimal``; ``None`` if it is not one."""
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        return None
    return Decimal(str(value))


def _holds(row: dict[str, Any], values: dict[str, Any]) -> bool:
    return all(values.get(k) == v for k, v in (row.get("conditions") or {}).items())


def _covers(tier: dict[str, Any] | None, prompt_tokens: int) -> bool:
    if not tier:
        return True
    low, high = int(tier.get("min_tokens") or 0), tier.get("max_tokens")
    return (prompt_tokens > low or low == 0) and (high is None or prompt_tokens <= int(high))


def rate(model: dict[str, Any], direction: str, prompt_tokens: int, values: dict[str, Any] | None = None) -> Decimal | None:
    """USD per token in ``direction`` for a prompt of ``prompt_tokens`` (the tier covering it, else the last)."""
    rows = [r for r in model.get("pricing_rows") or () if r.get("unit") == "token" and r.get("kind", "rate") == "rate"
            and r.get("direction") == direction and _holds(r, values or {})]
    if not rows:
        return None
    rows.sort(key=lambda r: int((r.get("tier") or {}).get("min_tokens") or 0))
    row = next((r for r in rows if _covers(r.get("tier"), prompt_tokens)), rows[-1])
    return Decimal(str(row["rate_usd"])) / Decimal(str(row["per"]))


def _cache_rate(model: dict[str, Any], prompt_tokens: int, values: dict[str, Any]) -> Decimal | None:
    listed = rate(model, "cache_read", prompt_tokens, values)
    if listed is not None:
        return listed
    for row in model.get("pricing_rows") or ():
        if row.get("kind") == "discount" and row.get("direction") == "cache_read" and row.get("discount_percent"):
            base = rate(model, "input", prompt_tokens, values) or Decimal(0)
            return base * (100 - Decimal(str(row["discount_percent"]))) / 100
    return None


def message_fee(model: dict[str, Any]) -> Decimal:
    """The model's "Per Message" rows (D-197)."""
    return sum((Decimal(str(r["rate_usd"])) for r in model.get("pricing_rows") or ()
                if r.get("unit") == "request" and r.get("unit_label") == "message" and not r.get("conditions")),
               Decimal(0))


def option_values(model: dict[str, Any], body: dict[str, Any]) -> dict[str, Any]:
    """The request's value of every option a price row names: the request's, else the model's default."""
    defaults = model.get("default_params") or {}
    params = {p.get("name"): p for p in model.get("supported_parameters") or () if isinstance(p, dict)}
    names = {k for row in model.get("pricing_rows") or () for k in (row.get("conditions") or {})}
    return {n: body.get(n, defaults.get(n, (params.get(n) or {}).get("default"))) for n in names}


def chat_cost(model: dict[str, Any], usage: dict[str, Any], values: dict[str, Any] | None = None) -> Decimal:
    """Exact USD of a Chat Completions ``usage`` (D-196, D-197): the prompt less its cached tokens at the input
    rate of its tier, cached tokens at the cache-read rate (or the discount), completion tokens — reasoning
    included — at the output rate, plus the per-message rows. Unrounded."""
    held = values or {}
    prompt, completion = int(usage["prompt_tokens"]), int(usage["completion_tokens"])
    cached = int(((usage.get("prompt_tokens_details") or {}).get("cached_tokens")) or 0)
    cache_rate = _cache_rate(model, prompt, held)
    if cache_rate is None:
        cached = 0
    total = (prompt - cached) * (rate(model, "input", prompt, held) or Decimal(0))
    total += cached * (cache_rate or Decimal(0))
    total += completion * (rate(model, "output", prompt, held) or Decimal(0))
    return total + message_fee(model)


class Debits:
    """What the session's account was charged since :meth:`start`; ``None`` without ``--balance-url``."""

    def __init__(self, balance_url: str | None, api_key: str) -> None:
        self.book = Ledger(balance_url, api_key) if balance_url else None
        self.before: Decimal | None = None

    def start(self) -> Debits:
        self.before = self.book.balance() if self.book is not None else None
        return self

    def since(self) -> Decimal | None:
        if self.book is None or self.before is None:
            return None
        return self.book.billed_since(self.before)
