"""The PostgreSQL :class:`~gateway.store.jobs.JobStore`: one row per job, ``result``/``error``/``params`` as
``json``; a ``put`` replaces the whole row, as SQLite's ``INSERT OR REPLACE``."""

from __future__ import annotations

import asyncpg

from gateway.store.jobs import JobRecord
from gateway.store.postgres.pool import Database, affected

__all__ = ["PostgresJobStore"]

_FIELDS = ("id", "account_id", "type", "model", "status", "created_at", "started_at", "completed_at", "expires_at",
           "progress", "result", "error", "params", "upstream_ref")
_COLUMNS = ", ".join(_FIELDS)
_PUT = (f"INSERT INTO jobs ({_COLUMNS}) VALUES ({', '.join(f'${n}' for n in range(1, len(_FIELDS) + 1))}) "
        f"ON CONFLICT (id) DO UPDATE SET {', '.join(f'{name} = EXCLUDED.{name}' for name in _FIELDS[1:])}")


def _record(row: asyncpg.Record) -> JobRecord:
    return JobRecord(id=row["id"], account_id=row["account_id"], type=row["type"], model=row["model"],
                     status=row["status"], created_at=row["created_at"], started_at=row["started_at"],
                     completed_at=row["completed_at"], expires_at=row["expires_at"], progress=row["progress"],
                     result=row["result"], error=row["error"], params=row["params"] or {},
                     upstream_ref=row["upstream_ref"])


class PostgresJobStore:
    def __init__(self, database: Database) -> None:
        self._db = database

    async def put(self, record: JobRecord) -> None:
        await self._db.pool.execute(
            _PUT, record.id, record.account_id, record.type, record.model, record.status, record.created_at,
            record.started_at, record.completed_at, record.expires_at, record.progress, record.result,
            record.error, record.params, record.upstream_ref)

    async def get(self, account_id: str, job_id: str, now: int) -> JobRecord | None:
        row = await self._db.pool.fetchrow(
            f"SELECT {_COLUMNS} FROM jobs WHERE id = $1 AND account_id = $2 "
            "AND (expires_at IS NULL OR expires_at > $3)", job_id, account_id, now)
        return _record(row) if row else None

    async def unfinished(self) -> list[JobRecord]:
        rows = await self._db.pool.fetch(
            f"SELECT {_COLUMNS} FROM jobs WHERE status IN ('queued', 'running') ORDER BY created_at, id")
        return [_record(row) for row in rows]

    async def purge(self, now: int) -> int:
        return affected(await self._db.pool.execute(
            "DELETE FROM jobs WHERE expires_at IS NOT NULL AND expires_at <= $1", now))
