"""Each profile's pass/fail thresholds, judged from the samples and the aggregated latency statistics
(D-159 … D-165). :func:`judge` returns the failures, one sentence each; none means the profile passed."""

from __future__ import annotations

from dataclasses import dataclass

from loadtests.samples import Sample, Window, max_in_span, windows

__all__ = ["Latency", "Thresholds", "judge"]


@dataclass(frozen=True)
class Thresholds:
    """What a run is held to: the limits per window, and for ``multiaccount`` the error rate and p95."""

    rpm: int
    tpm: int
    window: float
    max_error_rate: float = 0.0
    max_p95_ms: float = 0.0


@dataclass(frozen=True)
class Latency:
    """Aggregated response times in milliseconds (Locust's statistics over every worker)."""

    p50: float
    p95: float
    p99: float
    requests_per_second: float


def _unexpected(samples: list[Sample], allowed: set[int]) -> list[str]:
    other = sorted({s.status for s in samples} - allowed)
    if not other:
        return []
    counts = ", ".join(f"{status or 'no answer'}: {sum(s.status == status for s in samples)}" for status in other)
    return [f"unexpected statuses ({counts}); only {sorted(allowed)} are expected"]


def _retry_after(samples: list[Sample]) -> list[str]:
    refused = [s for s in samples if s.status == 429]
    bare = sum(not _seconds(s.retry_after) for s in refused)
    return [f"{bare} of {len(refused)} 429 answers had no valid retry-after"] if bare else []


def _seconds(value: str | None) -> bool:
    try:
        return value is not None and float(value) >= 0
    except ValueError:
        return False


def _over_span(samples: list[Sample], limit: int, window: float) -> list[str]:
    most = max_in_span(samples, window)
    if most > limit:
        return [f"{most} requests admitted within one {window:g}-s span; the limit is {limit}"]
    return []


def _exact(samples: list[Sample], limit: int, window: float, stopped: float, what: str) -> list[str]:
    """Every saturated window (one with a 429) admits exactly the limit: the first window and every complete
    one; a later window cut by the end of the run admits at most the limit (D-160)."""
    failures = [(f"never refused: {sum(s.admitted for s in samples)} admitted, {what} is {limit} per "
                f"{window:g} s")] if not any(s.status == 429 for s in samples) else []
    for w in windows(samples, window, stopped):
        if w.admitted > limit or (w.refused and (w.index == 0 or w.complete) and w.admitted != limit):
            failures.append(_window_failure(w, samples, limit, what))
    return failures


def _window_failure(w: Window, samples: list[Sample], limit: int, what: str) -> str:
    text = f"window {w.index} admitted {w.admitted} with {w.refused} refused; {what} is {limit}"
    if w.index == 0 and w.admitted < limit:
        seen = [s.remaining_requests for s in samples if s.admitted and s.remaining_requests is not None]
        if seen and max(seen) + 1 < limit:
            text += f" (the budget was not fresh: at most {max(seen) + 1} requests were left at the start)"
    return text


def _token_refusals(samples: list[Sample], t: Thresholds) -> list[str]:
    if not any(s.limit_tokens is not None or s.remaining_tokens is not None for s in samples):
        return [("the deployment sends no x-ratelimit-limit-tokens or -remaining-tokens headers: a token "
                "refusal cannot be told from a request refusal")]
    refused = [s for s in samples if s.status == 429]
    if not refused:
        return [(f"never refused: {len(samples)} token-heavy requests all admitted under a limit of "
                f"{t.tpm} tokens per {t.window:g} s")]
    failures = []
    by_tokens = [s for s in refused if s.remaining_tokens is not None and s.remaining_tokens < s.tokens]
    if not by_tokens:
        failures.append(f"none of the {len(refused)} 429 answers says the tokens ran out "
                        "(x-ratelimit-remaining-tokens at least what the request asked for)")
    for w in windows(samples, t.window, max(s.sent for s in samples)):
        if w.refused and w.admitted >= t.rpm:
            failures.append(f"window {w.index} admitted {w.admitted} token-heavy requests, the request limit "
                            f"{t.rpm}: the token limit {t.tpm} never bound")
    return failures


def _steady(samples: list[Sample], t: Thresholds) -> list[str]:
    refused = sum(s.status == 429 for s in samples)
    if not refused:
        return []
    text = f"{refused} of {len(samples)} requests refused 429 under the limit"
    first = min(samples, key=lambda s: s.sent)
    if first.remaining_requests is not None and first.remaining_requests + 1 < t.rpm:
        text += f" (the budget was not fresh: {first.remaining_requests + 1} requests were left at the start)"
    return [text]


def judge(profile: str, samples: list[Sample], t: Thresholds, latency: Latency | None = None) -> list[str]:
    """The thresholds ``profile`` failed (empty: passed)."""
    if not samples:
        return ["no request was answered"]
    stopped = max(s.sent for s in samples)
    match profile:
        case "steady":
            return _steady(samples, t) + _unexpected(samples, {200, 429})
        case "burst" | "multikey":
            what = "the account's limit" if profile == "multikey" else "the limit"
            return (_unexpected(samples, {200, 429}) + _retry_after(samples)
                    + _over_span(samples, t.rpm, t.window) + _exact(samples, t.rpm, t.window, stopped, what))
        case "tpm":
            return _unexpected(samples, {200, 429}) + _retry_after(samples) + _token_refusals(samples, t)
        case "multiaccount":
            failures = []
            errors = sum(not s.admitted for s in samples)
            if errors / len(samples) > t.max_error_rate:
                failures.append(f"error rate {errors / len(samples):.2%} ({errors} of {len(samples)}, 429s "
                                f"included) over {t.max_error_rate:.2%}")
            if latency is not None and t.max_p95_ms and latency.p95 > t.max_p95_ms:
                failures.append(f"p95 {latency.p95:.0f} ms over {t.max_p95_ms:.0f} ms")
            return failures
    raise ValueError(f"unknown profile {profile!r}")
