"""Proof that a rejection came from the gateway: the upstream was never called for it (D-34).

When the deployment's upstreams are this project's mocks, each keeps a log of the API requests it
received (``GET /__mock__/requests``: method, path, body, ``received_at``). The plugin knows their base
URLs — the self-launched reference's automatically, any other deployment's through ``--mock-control`` —
and the contract transport stamps every response with its :class:`~suites.exchanges.Exchange` (sent and
answered times). :func:`not_forwarded` then asserts that no mock received a request while that
exchange was in flight. Without the mocks' URLs it checks nothing, and the test's other checks still run.
A logged poll or download of an upstream job submitted before the exchange began (``job_submitted_at``)
belongs to that earlier job — the deployment keeps polling the jobs of earlier tests — and is not counted.

The comparison uses wall-clock times of two processes: the mocks must run on the harness's machine (or
one with a synchronised clock); suites run their requests one at a time.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any, Self

import httpx

from suites.checks import CheckFailure
from suites.exchanges import Exchange
from suites.leaks import cut
from suites.rules import register

register("rejected_by_gateway", "decision:D-34", "a rejection the gateway owes never reaches an upstream")

__all__ = ["UpstreamLog", "forwarded", "not_forwarded"]

_SLACK = 0.002  # seconds: the two clocks are the same one, rounded differently


class UpstreamLog:
    """The request logs of the mock upstreams at ``control_urls`` (their base URLs), read over one
    keep-alive client (a client per read rebuilt a TLS context each time, though the logs are plain HTTP;
    with a read after every rejection that was a fifth of a self-test run)."""

    def __init__(self, control_urls: Sequence[str]) -> None:
        self.control_urls = [u.rstrip("/") for u in control_urls if u]
        self._http: httpx.Client | None = None

    def __bool__(self) -> bool:
        return bool(self.control_urls)

    def close(self) -> None:
        if self._http is not None:
            self._http.close()
            self._http = None

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def received(self) -> list[tuple[str, dict[str, Any]]]:
        """(mock base URL, logged request) for every request the mocks remember."""
        if self._http is None:
            self._http = httpx.Client(timeout=10)
        entries = []
        for url in self.control_urls:
            response = self._http.get(f"{url}/__mock__/requests")
            response.raise_for_status()
            entries += [(url, e) for e in response.json().get("requests", [])]
        return entries

    def containing(self, marker: str) -> list[dict[str, Any]]:
        """The bodies of the logged upstream requests whose JSON contains ``marker``."""
        return [e["body"] for _, e in self.received() if marker in json.dumps(e.get("body"), ensure_ascii=False)]

    def carrying(self, marker: str) -> list[dict[str, Any]]:
        """The bodies of the upstream requests whose JSON contains ``marker``, in the order received."""
        found = [e for _, e in self.received() if marker in json.dumps(e.get("body"), ensure_ascii=False)]
        return [e.get("body") or {} for e in sorted(found, key=lambda e: float(e.get("received_at", 0)))]

    def during(self, exchange: Exchange) -> list[tuple[str, dict[str, Any]]]:
        """The upstream requests received while ``exchange`` was in flight, less the polls of upstream jobs
        submitted before it began."""
        start, end = exchange.started - _SLACK, (exchange.answered or exchange.started) + _SLACK
        return [(url, e) for url, e in self.received()
                if start <= float(e.get("received_at", 0)) <= end
                and float(e.get("job_submitted_at", start)) >= start]


def forwarded(response: httpx.Response | Any) -> list[dict[str, Any]] | None:
    """The upstream requests the mocks logged while ``response``'s exchange was in flight (each with the
    ``media`` the mock acknowledged, D-60), or None when the mocks' request logs are unknown."""
    response = getattr(response, "response", response)
    extensions = getattr(response, "extensions", None) or {}
    exchange, log = extensions.get("empirio.exchange"), extensions.get("empirio.upstreams")
    if not isinstance(exchange, Exchange) or not log:
        return None
    return [entry for _, entry in log.during(exchange)]


def not_forwarded(response: httpx.Response | Any, what: str = "a rejection the gateway owes") -> None:
    """``response`` (or an SDK error carrying one) was answered without calling any upstream; a no-op
    when the mocks' request logs are unknown."""
    response = getattr(response, "response", response)
    extensions = getattr(response, "extensions", None) or {}
    exchange, log = extensions.get("empirio.exchange"), extensions.get("empirio.upstreams")
    if not isinstance(exchange, Exchange) or not log:
        return
    calls = log.during(exchange)
    if calls:
        seen = ", ".join(f"{e.get('method')} {e.get('path')} at {url}" for url, e in calls[:3])
        raise CheckFailure("rejected_by_gateway",
                           f"{what} ({exchange.title}) reached the upstream: {len(calls)} upstream request(s) "
                           f"while it was in flight ({cut(seen, 240)})")
