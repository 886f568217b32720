"""The usage log's request side (D-203): what a route records about its call, and the writer that stores it.

Routes call :func:`record_usage` with the model once decoded and the usage once known (tokens, or units for
calls billed per request, character, image…); :func:`gateway.middleware.credits.charge` calls
:func:`note_cost` with what it charges. :class:`gateway.middleware.usage.UsageMiddleware`, just inside
authentication, turns the record, the status and the latency into a :class:`~gateway.store.usage.UsageEntry`
as the last body message goes out and hands it to :class:`UsageLog`, which queues it and writes queued entries
in batches from one background task (waiting :data:`LINGER` after the first, so a batch is worth a
transaction): a call never waits on the store. Reading flushes the queue first, so a call is listed as soon as
its answer was received.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from starlette.types import Scope

from gateway.ir import Usage
from gateway.store.usage import UsageEntry, UsageStore

__all__ = ["MAX_QUEUED", "UsageLog", "UsageRecord", "note_cost", "note_result_cost", "record_of", "record_usage"]

log = logging.getLogger("gateway.usage")

_RECORD = "usage_record"
MAX_QUEUED = 100_000
"""Entries waiting for the writer beyond which new ones are dropped (and logged): a store that is down must
not grow the process without bound."""
BATCH = 500
LINGER = 0.02
"""Seconds the writer waits after an entry arrives, so a busy gateway writes many entries per transaction."""


@dataclass
class UsageRecord:
    """What the route knows about its call; read by the usage middleware when the answer goes out."""

    model: str | None = None
    usage: Usage | None = None
    units: dict[str, float] = field(default_factory=dict)
    cost_usd: Decimal | None = None


def record_of(scope: Scope) -> UsageRecord:
    """The request's record (created on first use)."""
    state = scope.setdefault("state", {})
    record = state.get(_RECORD)
    if record is None:
        record = state[_RECORD] = UsageRecord()
    return record  # type: ignore[no-any-return]


def record_usage(scope: Scope, usage: Usage | None = None, *, model: str | None = None,
                 units: Mapping[str, float] | None = None) -> None:
    """Record the call's model, tokens or billed units (each replaces what was recorded before)."""
    record = record_of(scope)
    if model is not None:
        record.model = model
    if usage is not None:
        record.usage = usage
    if units is not None:
        record.units = dict(units)


def note_cost(scope: Scope, usd: Decimal) -> None:
    """The cost charged for the call (what :func:`~gateway.middleware.credits.charge` records)."""
    record_of(scope).cost_usd = usd


def note_result_cost(scope: Scope, result: Mapping[str, object] | None) -> None:
    """The cost a finished job's result reports (``usage.cost``, USD), when the call answered it synchronously:
    the job debited it (D-77); the call's entry shows it."""
    usage = result.get("usage") if result else None
    cost = usage.get("cost") if isinstance(usage, Mapping) else None
    if isinstance(cost, int | float) and not isinstance(cost, bool) and cost >= 0:
        note_cost(scope, Decimal(str(cost)))


class UsageLog:
    """A queue of entries in front of ``store``, drained in batches by one task of the running loop."""

    def __init__(self, store: UsageStore, *, max_queued: int = MAX_QUEUED) -> None:
        self.store = store
        self._max = max_queued
        self._queue: asyncio.Queue[UsageEntry] | None = None
        self._task: asyncio.Task[None] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def _started(self) -> asyncio.Queue[UsageEntry]:
        loop = asyncio.get_running_loop()
        if self._queue is None or self._loop is not loop or self._task is None or self._task.done():
            if self._loop is not loop or self._queue is None:
                self._queue = asyncio.Queue()
            self._loop = loop
            self._task = loop.create_task(self._write(self._queue))
        return self._queue

    def submit(self, entry: UsageEntry) -> None:
        """Queue ``entry`` (never waits)."""
        queue = self._started()
        if queue.qsize() >= self._max:
            log.warning("usage log: %d entries queued, dropping %s", queue.qsize(), entry.request_id)
            return
        queue.put_nowait(entry)

    async def flush(self) -> None:
        """Wait until everything queued so far is written."""
        if self._queue is not None and self._loop is asyncio.get_running_loop():
            self._started()
            await self._queue.join()

    async def page(self, account_id: str, limit: int, after: str | None = None) -> tuple[list[UsageEntry], bool] | None:
        """The account's entries, newest first (:meth:`UsageStore.page`), everything queued included."""
        await self.flush()
        return await self.store.page(account_id, limit, after)

    async def close(self) -> None:
        """Write what is queued, then stop the writer (the server's shutdown)."""
        await self.flush()
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _write(self, queue: asyncio.Queue[UsageEntry]) -> None:
        while True:
            batch = [await queue.get()]
            await asyncio.sleep(LINGER)
            while len(batch) < BATCH and not queue.empty():
                batch.append(queue.get_nowait())
            try:
                await self.store.add(batch)
            except Exception:  # a failed write loses its batch, never the writer
                log.exception("usage log: %d entries could not be written", len(batch))
            finally:
                for _ in batch:
                    queue.task_done()
