"""The embedded limiter: a sliding log of admissions per key in this process's memory (D-3, D-4, D-139).

An entry admitted at ``t`` is held for the closed span ``[t, t + window]``; every method decides and
records without an ``await`` in between, so tasks of one event loop never over-admit.
"""

from __future__ import annotations

import itertools
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from gateway.limits.base import Admission, Budget, Refused, Usage

__all__ = ["MemoryLimiter"]


@dataclass
class _Entry:
    at: float
    tokens: int
    ticket: str


@dataclass
class _Log:
    budget: Budget
    entries: deque[_Entry]


class MemoryLimiter:
    """A :class:`~gateway.limits.base.Limiter` for one process; ``clock`` gives seconds (monotonic)."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._logs: dict[str, _Log] = {}
        self._tickets = itertools.count(1)

    def _log(self, key: str, budget: Budget, now: float) -> _Log:
        log = self._logs.get(key)
        if log is None:
            log = self._logs[key] = _Log(budget, deque())
        log.budget = budget
        while log.entries and log.entries[0].at < now - budget.window:
            log.entries.popleft()
        return log

    @staticmethod
    def _usage(log: _Log, now: float) -> Usage:
        budget, entries = log.budget, log.entries
        spent = sum(e.tokens for e in entries)
        last_tokens = max((e.at for e in entries if e.tokens), default=None)
        return Usage(
            budget=budget,
            requests_remaining=max(0, budget.requests - len(entries)),
            tokens_remaining=max(0, budget.tokens - spent),
            requests_reset=max(0.0, entries[-1].at + budget.window - now) if entries else 0.0,
            tokens_reset=max(0.0, last_tokens + budget.window - now) if last_tokens is not None else 0.0,
        )

    @staticmethod
    def _refusal(log: _Log, tokens: int, now: float) -> Refused | None:
        budget, entries = log.budget, log.entries
        if len(entries) >= budget.requests:
            oldest_needed = entries[len(entries) - budget.requests] if budget.requests > 0 else None
            wait = oldest_needed.at + budget.window - now if oldest_needed else budget.window
            return Refused("requests", max(0.0, wait), MemoryLimiter._usage(log, now))
        if budget.tokens <= 0 or tokens <= 0:
            return None
        if tokens > budget.tokens:
            return Refused("tokens", budget.window, MemoryLimiter._usage(log, now))
        excess = sum(e.tokens for e in entries) + tokens - budget.tokens
        if excess <= 0:
            return None
        wait = budget.window
        for entry in entries:
            excess -= entry.tokens
            if excess <= 0:
                wait = entry.at + budget.window - now
                break
        return Refused("tokens", max(0.0, wait), MemoryLimiter._usage(log, now))

    async def admit(self, key: str, budget: Budget, tokens: int = 0) -> Admission:
        now = self._clock()
        log = self._log(key, budget, now)
        refused = self._refusal(log, tokens, now)
        if refused is not None:
            raise refused
        ticket = f"{next(self._tickets)}"
        log.entries.append(_Entry(now, max(0, tokens), ticket))
        return Admission(key, ticket, max(0, tokens), self._usage(log, now))

    async def reconcile(self, admission: Admission, tokens: int) -> Usage:
        now = self._clock()
        log = self._log(admission.key, admission.usage.budget, now)
        for entry in log.entries:
            if entry.ticket == admission.ticket:
                entry.tokens = max(0, tokens)
                break
        return self._usage(log, now)

    async def release(self, admission: Admission) -> None:
        log = self._logs.get(admission.key)
        if log is not None:
            kept = [e for e in log.entries if e.ticket != admission.ticket]
            log.entries = deque(kept)

    async def close(self) -> None:
        self._logs.clear()
