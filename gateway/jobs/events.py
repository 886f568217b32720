"""Run events in one process (D-13, D-89): every job transition is published to the subscribers of that
job (the run-events WebSocket). A subscriber reads the stored state after subscribing, so it never misses
a transition; queues are unbounded because a run has at most four transitions."""

from __future__ import annotations

import asyncio
from collections import defaultdict

from gateway.store.jobs import JobRecord

__all__ = ["RunEvents"]


class RunEvents:
    def __init__(self) -> None:
        self._queues: dict[str, set[asyncio.Queue[JobRecord]]] = defaultdict(set)

    def subscribe(self, job_id: str) -> asyncio.Queue[JobRecord]:
        queue: asyncio.Queue[JobRecord] = asyncio.Queue()
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
