"""Rules about keys (the 50-key limit, revocation, expiry) and the usage log, and the small checks their
suites use (``suites/test_keys.py``, ``suites/test_usage.py``)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from suites.checks import expect
from suites.rules import register

__all__ = ["NANO_USD", "entry_matches_chat"]

register("keys_limit_50", "docs:rate-limits-and-api-keys#managing-api-keys",
         "an account holds up to 50 API keys: the 51st is refused, a revoked key frees its slot")
register("auth_expired_key", "docs:rate-limits-and-api-keys#common-errors",
         "an expired key is 401 invalid_api_key, in the endpoint's envelope")
register("auth_revoked_at_once", "decision:D-202",
         "a key revoked while in use is refused from the next request on, on every endpoint")
register("usage_logged", "docs:concepts#how-it-works",
         "each request is logged with its model, token counts, cost and latency (GET /v1/usage, D-203)")
register("usage_cost_is_charge", "decision:D-203", "a usage entry's cost is the call's usage.cost, the amount charged")
register("usage_failures_logged", "decision:D-203", "failed calls (4xx after authentication, 402) are logged with their status")
register("usage_per_account", "decision:D-204", "GET /v1/usage lists the presenting key's account's calls only")
register("usage_list_shape", "decision:D-204",
         "GET /v1/usage pages newest first with limit/after; bad parameters are a 400 naming them")

NANO_USD = Decimal("1e-9")


def _usd(value: Any) -> Decimal:
    return Decimal(str(value))


def entry_matches_chat(entry: dict[str, Any], *, model: str, usage: dict[str, Any]) -> None:
    """A usage entry of a 200 Chat Completions call: its model, endpoint, status and tokens as the response
    said, its cost the response's ``usage.cost`` (to the nano-USD the log keeps)."""
    expect("usage_logged", entry.get("model") == model, f"model {model!r}", entry.get("model"))
    expect("usage_logged", entry.get("endpoint") == "/v1/chat/completions", "endpoint /v1/chat/completions",
           entry.get("endpoint"))
    expect("usage_logged", entry.get("status") == 200, "status 200", entry.get("status"))
    tokens = entry.get("usage") or {}
    wanted = {"input_tokens": usage.get("prompt_tokens"), "output_tokens": usage.get("completion_tokens"),
              "reasoning_tokens": (usage.get("completion_tokens_details") or {}).get("reasoning_tokens", 0),
              "cached_tokens": (usage.get("prompt_tokens_details") or {}).get("cached_tokens", 0)}
    got = {name: tokens.get(name) for name in wanted}
    expect("usage_logged", got == wanted, f"tokens {wanted}", got)
    expect("usage_logged", isinstance(entry.get("latency_ms"), int | float) and entry["latency_ms"] >= 0,
           "a latency in ms", entry.get("latency_ms"))
    charged = _usd(usage.get("cost", 0)).quantize(NANO_USD)
    expect("usage_cost_is_charge", _usd(entry.get("cost", "NaN")) == charged, f"cost {charged}", entry.get("cost"))
