"""The SQLite :class:`~gateway.store.usage.UsageStore`: one row per call, written and read in a worker thread
(its own connection, serialised by a lock) so the event loop never waits on the file (D-203)."""

from __future__ import annotations

import asyncio
import json
import threading
from pathlib import Path

from gateway.store.sqlite_db import connect
from gateway.store.usage import UsageEntry

__all__ = ["SqliteUsageStore"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS usage_entries (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    request_id TEXT NOT NULL UNIQUE,
    account_id TEXT NOT NULL,
    key_id TEXT NOT NULL,
    model TEXT,
    endpoint TEXT NOT NULL,
    method TEXT NOT NULL,
    status INTEGER NOT NULL,
    input_tokens INTEGER NOT NULL DEFAULT 0,
    output_tokens INTEGER NOT NULL DEFAULT 0,
    reasoning_tokens INTEGER NOT NULL DEFAULT 0,
    cached_tokens INTEGER NOT NULL DEFAULT 0,
    units TEXT NOT NULL DEFAULT '{}',
    cost_nano INTEGER NOT NULL DEFAULT 0,
    latency_ms REAL NOT NULL,
    created_at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS usage_entries_account ON usage_entries (account_id, seq);
"""

COLUMNS = ("request_id, account_id, key_id, model, endpoint, method, status, input_tokens, output_tokens, "
           "reasoning_tokens, cached_tokens, units, cost_nano, latency_ms, created_at")


def row_of(entry: UsageEntry) -> tuple[object, ...]:
    return (entry.request_id, entry.account_id, entry.key_id, entry.model, entry.endpoint, entry.method,
            entry.status, entry.input_tokens, entry.output_tokens, entry.reasoning_tokens, entry.cached_tokens,
            json.dumps(entry.units), entry.cost_nano, entry.latency_ms, entry.created_at)


def entry_of(row: tuple[object, ...] | list[object]) -> UsageEntry:
    values = list(row)
    units = values[11]
    values[11] = json.loads(units) if isinstance(units, str) else dict(units or {})  # type: ignore[call-overload]
    return UsageEntry(*values)  # type: ignore[arg-type]


class SqliteUsageStore:
    def __init__(self, path: Path | str) -> None:
        self._db = connect(path)
        self._db.executescript(_SCHEMA)
        self._lock = threading.Lock()

    async def close(self) -> None:
        with self._lock:
            self._db.close()

    async def add(self, entries: list[UsageEntry]) -> None:
        if entries:
            await asyncio.to_thread(self._add, [row_of(e) for e in entries])

    def _add(self, rows: list[tuple[object, ...]]) -> None:
        with self._lock:
            self._db.execute("BEGIN")
            try:
                self._db.executemany(
                    f"INSERT OR IGNORE INTO usage_entries ({COLUMNS}) VALUES ({', '.join('?' * 15)})", rows)
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise

    async def page(self, account_id: str, limit: int, after: str | None = None) -> tuple[list[UsageEntry], bool] | None:
        return await asyncio.to_thread(self._page, account_id, limit, after)

    def _page(self, account_id: str, limit: int, after: str | None) -> tuple[list[UsageEntry], bool] | None:
        with self._lock:
            below = None
            if after is not None:
                found = self._db.execute("SELECT seq FROM usage_entries WHERE request_id = ? AND account_id = ?",
                                         (after, account_id)).fetchone()
                if found is None:
                    return None
                below = found[0]
            rows = self._db.execute(
                f"SELECT {COLUMNS} FROM usage_entries WHERE account_id = ? AND seq < ? ORDER BY seq DESC LIMIT ?",
                (account_id, below if below is not None else 2**62, limit + 1)).fetchall()
        return [entry_of(row) for row in rows[:limit]], len(rows) > limit
