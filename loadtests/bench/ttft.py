"""Time to first token: one streaming request at a time, timed from the request's start to the first SSE
frame carrying content."""

from __future__ import annotations

import statistics
import time
from typing import Any

import httpx

__all__ = ["first_token_seconds", "median_ttft_ms"]


def first_token_seconds(client: httpx.Client, url: str, headers: dict[str, str], body: dict[str, Any]) -> float:
    """Seconds until the first content frame of one streamed answer (the rest is read to its end)."""
    started = time.perf_counter()
    with client.stream("POST", url, headers=headers, json=body) as response:
        response.raise_for_status()
        lines = response.iter_lines()
        for line in lines:
            if line.startswith("data:") and '"content"' in line:
                elapsed = time.perf_counter() - started
                for _ in lines:
                    pass
                return elapsed
    raise RuntimeError(f"{url}: no content frame")


def median_ttft_ms(url: str, api_key: str, body: dict[str, Any], requests: int, warmup: int = 10) -> float:
    """The median time to first token over ``requests`` streamed answers, in milliseconds."""
    headers = {"authorization": f"Bearer {api_key}"} if api_key else {}
    with httpx.Client(timeout=30) as client:
        for _ in range(warmup):
            first_token_seconds(client, url, headers, body)
        return statistics.median(first_token_seconds(client, url, headers, body) for _ in range(requests)) * 1000
