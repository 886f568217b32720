"""The SQLite :class:`~gateway.store.jobs.JobStore`: one row per job (result, error and params as JSON)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from gateway.store.jobs import JobRecord
from gateway.store.sqlite_db import connect

__all__ = ["SqliteJobStore"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS jobs (
    id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL,
    type TEXT NOT NULL,
    model TEXT NOT NULL,
    status TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    started_at INTEGER,
    completed_at INTEGER,
    expires_at INTEGER,
    progress REAL,
    result TEXT,
    error TEXT,
    params TEXT NOT NULL,
    upstream_ref TEXT
);
CREATE INDEX IF NOT EXISTS jobs_status ON jobs (status);
CREATE INDEX IF NOT EXISTS jobs_expiry ON jobs (expires_at);
"""

_COLUMNS = ("id, account_id, type, model, status, created_at, started_at, completed_at, expires_at, progress, "
            "result, error, params, upstream_ref")


def _loads(text: str | None) -> Any:
    return None if text is None else json.loads(text)


def _dumps(value: Any) -> str | None:
    return None if value is None else json.dumps(value, ensure_ascii=False)


def _record(row: tuple[Any, ...]) -> JobRecord:
    (job_id, account_id, job_type, model, status, created_at, started_at, completed_at, expires_at, progress,
     result, error, params, upstream_ref) = row
    return JobRecord(id=job_id, account_id=account_id, type=job_type, model=model, status=status,
                     created_at=created_at, started_at=started_at, completed_at=completed_at, expires_at=expires_at,
                     progress=progress, result=_loads(result), error=_loads(error), params=_loads(params) or {},
                     upstream_ref=upstream_ref)


class SqliteJobStore:
    def __init__(self, path: Path | str) -> None:
        self._db = connect(path)
        self._db.executescript(_SCHEMA)

    async def close(self) -> None:
        self._db.close()

    async def put(self, record: JobRecord) -> None:
        self._db.execute(
            f"INSERT OR REPLACE INTO jobs ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (record.id, record.account_id, record.type, record.model, record.status, record.created_at,
             record.started_at, record.completed_at, record.expires_at, record.progress, _dumps(record.result),
             _dumps(record.error), _dumps(record.params), record.upstream_ref),
        )

    async def get(self, account_id: str, job_id: str, now: int) -> JobRecord | None:
        row = self._db.execute(
            f"SELECT {_COLUMNS} FROM jobs WHERE id = ? AND account_id = ? AND (expires_at IS NULL OR expires_at > ?)",
            (job_id, account_id, now),
        ).fetchone()
        return _record(row) if row else None

    async def unfinished(self) -> list[JobRecord]:
        rows = self._db.execute(
            f"SELECT {_COLUMNS} FROM jobs WHERE status IN ('queued', 'running') ORDER BY created_at").fetchall()
        return [_record(row) for row in rows]

    async def purge(self, now: int) -> int:
        return self._db.execute("DELETE FROM jobs WHERE expires_at IS NOT NULL AND expires_at <= ?",
                                (now,)).rowcount
