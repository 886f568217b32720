"""Group commit for the embedded account store (D-207): the writes of one event-loop turn share one transaction.

A write call is queued and its caller waits; the first call of a turn schedules one flush for the end of the
turn, which runs every queued call in one ``BEGIN IMMEDIATE`` transaction (a busy gateway pays one commit for
many requests), each under its own savepoint so one call's error undoes only that call; a caller's result (or
error) arrives after the commit. Reads run at once. A commit writes the WAL without an fsync (D-205); SQLite's
automatic checkpoint (every 1,000 WAL pages, at a commit) is the only sync, and it keeps the WAL from growing.
A call whose caller was cancelled is still carried out (a store call is never half done).
"""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from gateway.store.sqlite_db import connect

__all__ = ["Writer"]

T = TypeVar("T")


@dataclass(frozen=True)
class _Call:
    work: Callable[[sqlite3.Connection], Any]
    future: asyncio.Future[Any]


class Writer:
    """One connection to the store file at ``path``; calls run on it with :meth:`run`."""

    def __init__(self, path: Path | str) -> None:
        self.db = connect(path)
        self._pending: list[_Call] = []
        self._lock = threading.Lock()
        self._commits = 0

    async def run(self, work: Callable[[sqlite3.Connection], T], *, writes: bool = True) -> T:
        """``work(db)``'s result; a write (``writes``) commits with the other writes of this loop turn."""
        if not writes:
            with self._lock:
                return work(self.db)
        loop = asyncio.get_running_loop()
        future: asyncio.Future[T] = loop.create_future()
        if not self._pending:
            loop.call_soon(self._flush)
        self._pending.append(_Call(work, future))
        return await future

    def close(self) -> None:
        """Run what is queued, close the connection."""
        if self._pending:
            self._flush()
        self.db.close()

    def _flush(self) -> None:
        batch, self._pending = self._pending, []
        if not batch:
            return
        with self._lock:
            outcomes = self._execute(batch)
        here = asyncio.get_running_loop()
        for call, outcome in zip(batch, outcomes, strict=True):
            loop = call.future.get_loop()
            if loop is here:
                _resolve(call.future, outcome)
            else:  # a caller on another loop (a test's own thread)
                loop.call_soon_threadsafe(_resolve, call.future, outcome)
        self._commits += 1

    def _execute(self, batch: list[_Call]) -> list[tuple[bool, Any]]:
        try:
            self.db.execute("BEGIN IMMEDIATE")
            if len(batch) == 1:
                outcomes = [(True, batch[0].work(self.db))]
            else:
                outcomes = [self._isolated(call) for call in batch]
            self.db.execute("COMMIT")
        except Exception as error:  # noqa: BLE001 - the whole batch failed (lock not taken, commit refused): each caller gets it
            if self.db.in_transaction:
                self.db.execute("ROLLBACK")
            return [(False, error)] * len(batch)
        return outcomes

    def _isolated(self, call: _Call) -> tuple[bool, Any]:
        self.db.execute("SAVEPOINT call")
        try:
            result = call.work(self.db)
        except Exception as error:  # noqa: BLE001 - undone, and delivered to its caller
            self.db.execute("ROLLBACK TO call")
            self.db.execute("RELEASE call")
            return False, error
        self.db.execute("RELEASE call")
        return True, result


def _resolve(future: asyncio.Future[Any], outcome: tuple[bool, Any]) -> None:
    if future.done():
        return
    ok, value = outcome
    if ok:
        future.set_result(value)
    else:
        future.set_exception(value)
