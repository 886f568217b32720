"""Checks of the rate limits (docs page 008, D-3, D-4, D-139 – D-145): exactness in every window span, the
headers of a counted response and of a 429."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime

import httpx

from suites.checks import expect, fail, holds
from suites.rules import register

__all__ = ["ANTHROPIC_HEADERS", "HEADERS", "anthropic_headers", "at_most_limit_in_any_window", "duration_seconds",
           "ratelimit_headers", "retry_after_ms", "retry_after_seconds"]

register("rate_limit_exact", "docs:rate-limits-and-api-keys#default-limits",
         "exactly the account's request limit is admitted in a window, the next is 429")
register("rate_limit_window_moves", "decision:D-3", "once the window moved past the spent requests, admission resumes")
register("rate_limit_concurrent", "decision:D-139", "simultaneous requests admit exactly the limit, none over")
register("rate_limit_sliding", "decision:D-3",
         "a rolling window: never more than the limit in any window span, across boundaries too (D-145)")
register("rate_limit_tokens_reserved", "decision:D-3",
         "a request whose token estimate passes the token budget is refused before any upstream call")
register("rate_limit_reconciled", "decision:D-3",
         "a finished request's reservation is replaced by what it used, so the budget is not held by estimates")
register("rate_limit_per_account", "docs:rate-limits-and-api-keys#rate-limit-behavior",
         "all keys of an account share one budget; another account's is its own")
register("rate_limit_headers", "decision:D-4",
         "counted responses carry x-ratelimit-{limit,remaining,reset}-{requests,tokens}, streams included")
register("rate_limit_remaining", "decision:D-140",
         "remaining-requests falls by one per admitted request; 0 < reset <= the window")
register("rate_limit_anthropic_headers", "decision:D-4",
         "/v1/messages also carries anthropic-ratelimit-{requests,tokens}-{limit,remaining,reset} (RFC 3339)")
register("rate_limit_retry_after_ms", "decision:D-141", "a 429 of the budget carries retry-after-ms")
register("rate_limit_anthropic_429", "anthropic:errors#http-errors",
         "a 429 on /v1/messages is Anthropic's rate_limit_error envelope")

HEADERS = tuple(f"x-ratelimit-{what}-{dimension}" for dimension in ("requests", "tokens")
                for what in ("limit", "remaining", "reset"))
ANTHROPIC_HEADERS = tuple(f"anthropic-ratelimit-{dimension}-{what}" for dimension in ("requests", "tokens")
                          for what in ("limit", "remaining", "reset"))
_DURATION = re.compile(r"^(?:(\d+)h)?(?:(\d+)m(?!s))?(?:(\d+(?:\.\d+)?)s)?(?:(\d+)ms)?$")


def duration_seconds(text: str) -> float | None:
    """Seconds of a Go-style duration (``1s``, ``6m0s``, ``12ms``), ``None`` when it is not one."""
    match = _DURATION.match(text.strip())
    if not text.strip() or match is None:
        return None
    h, m, s, ms = match.groups()
    return int(h or 0) * 3600 + int(m or 0) * 60 + float(s or 0) + int(ms or 0) / 1000


def ratelimit_headers(response: httpx.Response, where: str, *, rule: str = "rate_limit_headers") -> dict[str, int]:
    """Rule ``rule``: the six ``x-ratelimit-*`` headers are present and well-formed; their limits and
    remainders as numbers (resets in milliseconds)."""
    missing = [h for h in HEADERS if h not in response.headers]
    if missing:
        fail(rule, f"{where}: missing {', '.join(missing)} (has {sorted(k for k in response.headers)})")
        return {}
    out: dict[str, int] = {}
    for name in HEADERS:
        value = response.headers[name]
        if name.split("-")[2] == "reset":
            seconds = duration_seconds(value)
            holds(rule, seconds is not None, f"{where}: {name} {value!r} is not a duration such as 1s or 12ms")
            out[name] = round((seconds or 0) * 1000)
        else:
            holds(rule, value.isdigit(), f"{where}: {name} {value!r} is not a whole number")
            out[name] = int(value) if value.isdigit() else -1
    return out


def anthropic_headers(response: httpx.Response, where: str) -> None:
    """Rule ``rate_limit_anthropic_headers``: the six ``anthropic-ratelimit-*`` headers, resets RFC 3339 times."""
    missing = [h for h in ANTHROPIC_HEADERS if h not in response.headers]
    expect("rate_limit_anthropic_headers", not missing, f"{where}: the anthropic-ratelimit-* headers", missing)
    for name in ANTHROPIC_HEADERS:
        value = response.headers.get(name, "")
        if name.endswith("-reset"):
            try:
                parsed = datetime.fromisoformat(value)
            except ValueError:
                fail("rate_limit_anthropic_headers", f"{where}: {name} {value!r} is not an RFC 3339 time")
                continue
            holds("rate_limit_anthropic_headers", parsed.tzinfo is not None,
                  f"{where}: {name} {value!r} has no time zone")
        else:
            holds("rate_limit_anthropic_headers", value.isdigit(), f"{where}: {name} {value!r} is not a number")


def retry_after_seconds(response: httpx.Response, window: float) -> int:
    """Rule ``rate_limit_retry_after`` (D-4): a whole number of seconds, 1 to the window (rounded up)."""
    value = response.headers.get("retry-after", "")
    expect("rate_limit_retry_after", value.isdigit() and 0 < int(value) <= int(window) + 1,
           f"a 429 with retry-after in whole seconds within the {window:g} s window", value)
    return int(value) if value.isdigit() else 0


def retry_after_ms(response: httpx.Response, window: float) -> int:
    """Rule ``rate_limit_retry_after_ms`` (D-141): milliseconds, 1 to the window."""
    value = response.headers.get("retry-after-ms", "")
    expect("rate_limit_retry_after_ms", value.isdigit() and 0 < int(value) <= window * 1000 + 1,
           f"a 429 with retry-after-ms within the {window:g} s window", value)
    return int(value) if value.isdigit() else 0


def at_most_limit_in_any_window(shots: Sequence[tuple[float, float]], limit: int, window: float, *, rule: str,
                                what: str) -> None:
    """Rule ``rule`` (D-145): of the admitted requests, given as (sent, answered) times, no more than
    ``limit`` are certainly within one window (all sent after the earliest of them was, and answered less
    than ``window`` after it)."""
    for start, _ in shots:
        within = [1 for sent, answered in shots if sent >= start and answered < start + window]
        if len(within) > limit:
            fail(rule, f"{what}: {len(within)} requests admitted within one {window:g} s window (limit {limit})")
            return
