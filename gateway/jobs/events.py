"""Run events in one process (D-13, D-89, D-121): every job transition is published to the subscribers of
that job (the run-events WebSocket). A subscriber reads the stored state after subscribing, so it never
misses a transition; queues are unbounded because a run has at most four transitions.

A connection passes one queue for all the runs it follows (:meth:`RunEvents.subscribe` with ``queue``), and
counts itself against its account's cap on open connections (:meth:`RunEvents.connect`, D-123).
"""

from __future__ import annotations

import asyncio
from collections import Counter, defaultdict
from collections.abc import Awaitable, Callable

from gateway.store.jobs import JobRecord

__all__ = ["CONNECTIONS_PER_ACCOUNT", "Lookup", "RunEvents"]

CONNECTIONS_PER_ACCOUNT = 10

Lookup = Callable[[str, str], Awaitable[JobRecord | None]]
"""``(account_id, run_id)`` → the account's retained job, or ``None``."""


async def _nowhere(account_id: str, run_id: str) -> JobRecord | None:
    return None


class RunEvents:
    def __init__(self, find: Lookup = _nowhere) -> None:
        self._queues: dict[str, set[asyncio.Queue[JobRecord]]] = defaultdict(set)
        self._connections: Counter[str] = Counter()
        self.find: Lookup = find
        """How the channel finds a subscriber's run (the job store, as of now)."""

    def subscribe(self, job_id: str, queue: asyncio.Queue[JobRecord] | None = None) -> asyncio.Queue[JobRecord]:
        """Hand ``job_id``'s later transitions to ``queue`` (a new one when not given); the queue."""
        queue = asyncio.Queue() if queue is None else queue
        self._queues[job_id].add(queue)
        return queue

    def unsubscribe(self, job_id: str, queue: asyncio.Queue[JobRecord]) -> None:
        subscribers = self._queues.get(job_id)
        if subscribers is not None:
            subscribers.discard(queue)
            if not subscribers:
                del self._queues[job_id]

    def publish(self, record: JobRecord) -> None:
        """Hand ``record`` (the job's new state) to everyone subscribed to it."""
        for queue in self._queues.get(record.id, ()):
            queue.put_nowait(record)

    def connect(self, account_id: str) -> bool:
        """Count one more open connection of the account; ``False`` (not counted) past the cap."""
        if self._connections[account_id] >= CONNECTIONS_PER_ACCOUNT:
            return False
        self._connections[account_id] += 1
        return True

    def disconnect(self, account_id: str) -> None:
        self._connections[account_id] -= 1
        if self._connections[account_id] <= 0:
            del self._connections[account_id]
