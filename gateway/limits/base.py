"""The limiter's interface: sliding-window budgets of requests and tokens per key (D-3, D-4).

A key is an account's generation budget (its id) or its auxiliary budget (its id with
:data:`AUXILIARY_SUFFIX`). Every implementation keeps, per key, a log of admissions — each with its time on
the limiter's clock, its tokens and a ticket — and is exact: in any span of ``budget.window`` seconds,
boundaries included, it never holds more than ``budget.requests`` admissions or more than ``budget.tokens``
tokens, however many callers (tasks, processes, gateway instances) admit at once. An admission is decided
and recorded in one atomic step; a reconcile or release changes only its own entry.

Implementations: :mod:`gateway.limits.memory` (one process, the embedded default) and
:mod:`gateway.limits.redis` (shared by every instance that points at one Redis).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

__all__ = ["AUXILIARY_SUFFIX", "Admission", "Budget", "Limiter", "Refused", "Usage"]

AUXILIARY_SUFFIX = ":auxiliary"
"""An account's auxiliary requests are counted under its id with this suffix."""


@dataclass(frozen=True)
class Budget:
    """What one key may use per window; ``tokens == 0`` means no token budget (the auxiliary one)."""

    requests: int
    tokens: int
    window: float


@dataclass(frozen=True)
class Usage:
    """A key's standing right after an admission or a refusal: what is left in the window, and seconds until
    the spent part is free again (``*_reset``: until the window holds none of what was spent)."""

    budget: Budget
    requests_remaining: int
    tokens_remaining: int
    requests_reset: float
    tokens_reset: float


@dataclass(frozen=True)
class Admission:
    """One admitted request: its entry (``ticket``) in ``key``'s log, the tokens reserved for it, and the
    key's usage after it."""

    key: str
    ticket: str
    reserved: int
    usage: Usage


class Refused(Exception):
    """The window has no room: ``dimension`` is ``"requests"`` or ``"tokens"``; ``retry_after`` the seconds
    until an admission of the same size could pass (the window's length when it never could)."""

    def __init__(self, dimension: str, retry_after: float, usage: Usage) -> None:
        super().__init__(f"{dimension} budget spent; retry after {retry_after:.3f} s")
        self.dimension, self.retry_after, self.usage = dimension, retry_after, usage


class Limiter(Protocol):
    """Admits requests against sliding-window budgets; every method is a coroutine (a shared limiter talks
    to a server)."""

    async def admit(self, key: str, budget: Budget, tokens: int = 0) -> Admission:
        """Record one request reserving ``tokens``, or raise :class:`Refused` recording nothing."""

    async def reconcile(self, admission: Admission, tokens: int) -> Usage:
        """Replace the admission's reserved tokens by ``tokens`` (the usage the response reported); its
        request stays counted. A no-op once the entry has left the window."""

    async def release(self, admission: Admission) -> None:
        """Remove the admission entirely (a request that must not count, D-3: answered with a 4xx)."""

    async def close(self) -> None:
        """Release connections; the limiter is not used after."""
