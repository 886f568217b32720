"""The embedded limiter: a sliding log of admissions per key in this process's memory (D-3, D-4, D-139).

An entry admitted at ``t`` is held for the closed span ``[t, t + window]``; every method decides and
records without an ``await`` in between, so tasks of one event loop never over-admit. Each log keeps its
token total and a ticket index as entries come and go, so admitting costs the same however busy the window is.
"""

from __future__ import annotations

import itertools
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

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
    entries: deque[_Entry] = field(default_factory=deque)
    spent: int = 0
    """The tokens of ``entries``, kept as they change."""
    tickets: dict[str, _Entry] = field(default_factory=dict)

    def append(self, entry: _Entry) -> None:
        self.entries.append(entry)
        self.tickets[entry.ticket] = entry
        self.spent += entry.tokens

    def expire(self, before: float) -> None:
        while self.entries and self.entries[0].at < before:
            gone = self.entries.popleft()
            self.spent -= gone.tokens
            del self.tickets[gone.ticket]

    def retoken(self, ticket: str, tokens: int) -> None:
        entry = self.tickets.get(ticket)
        if entry is not None:
            self.spent += tokens - entry.tokens
            entry.tokens = tokens

    def remove(self, ticket: str) -> None:
        entry = self.tickets.pop(ticket, None)
        if entry is not None:
            self.spent -= entry.tokens
            self.entries.remove(entry)

    def last_tokens_at(self) -> float | None:
        """When the newest entry still holding tokens was admitted."""
        return next((e.at for e in reversed(self.entries) if e.tokens), None)


class MemoryLimiter:
    """A :class:`~gateway.limits.base.Limiter` for one process; ``clock`` gives seconds (monotonic)."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._logs: dict[str, _Log] = {}
        self._tickets = itertools.count(1)

    def _log(self, key: str, budget: Budget, now: float) -> _Log:
        log = self._logs.get(key)
        if log is None:
            log = self._logs[key] = _Log(budget)
        log.budget = budget
        log.expire(now - budget.window)
        return log

    @staticmethod
    def _usage(log: _Log, now: float) -> Usage:
        budget, entries = log.budget, log.entries
        spent, last_tokens = log.spent, log.last_tokens_at()
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
        excess = log.spent + tokens - budget.tokens
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
        log.append(_Entry(now, max(0, tokens), ticket))
        return Admission(key, ticket, max(0, tokens), self._usage(log, now))

    async def reconcile(self, admission: Admission, tokens: int) -> Usage:
        now = self._clock()
        log = self._log(admission.key, admission.usage.budget, now)
        log.retoken(admission.ticket, max(0, tokens))
        return self._usage(log, now)

    async def release(self, admission: Admission) -> None:
        log = self._logs.get(admission.key)
        if log is not None:
            log.remove(admission.ticket)

    async def close(self) -> None:
        self._logs.clear()
