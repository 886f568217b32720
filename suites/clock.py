"""The deployment's test clock (``--clock-url``, D-91, D-131): move it forward and run the retention sweeper.

The clock URL answers ``POST {"advance": seconds}`` with ``{"now": <unix seconds>}``; its sibling ``sweep``
(the URL with its last path segment replaced) runs the sweeper on ``POST``. The clock only moves forward and
is the deployment's, so a check reads ``now`` from the answer rather than from its own clock.
"""

from __future__ import annotations

from typing import Any

import httpx

__all__ = ["TestClock"]


class TestClock:
    """The clock at ``url`` and its sweeper."""

    __test__ = False  # not a pytest test class

    def __init__(self, url: str, timeout: float = 30.0) -> None:
        self.url = url.rstrip("/")
        self.sweep_url = self.url.rsplit("/", 1)[0] + "/sweep"
        self._timeout = timeout

    def _post(self, url: str, body: dict[str, Any]) -> dict[str, Any]:
        response = httpx.post(url, json=body, timeout=self._timeout)
        if response.status_code != 200:
            raise RuntimeError(f"POST {url} answered {response.status_code}: {response.text[:200]}")
        answer: dict[str, Any] = response.json()
        return answer

    def now(self) -> float:
        """The deployment's time, in Unix seconds."""
        return float(self._post(self.url, {"advance": 0})["now"])

    def advance(self, seconds: float) -> float:
        """Move the clock ``seconds`` forward; the deployment's time afterwards."""
        return float(self._post(self.url, {"advance": max(0.0, seconds)})["now"])

    def advance_to(self, moment: float) -> float:
        """Move the clock forward to at least ``moment`` (Unix seconds; never back); the time afterwards."""
        return self.advance(max(0.0, moment - self.now()))

    def sweep(self) -> dict[str, Any]:
        """Run the sweeper now; what it reported deleting."""
        return self._post(self.sweep_url, {})
