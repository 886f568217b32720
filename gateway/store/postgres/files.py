"""The PostgreSQL :class:`~gateway.store.files.FileStore`: one row per file, the bytes as ``bytea``."""

from __future__ import annotations

import asyncpg

from gateway.store.files import StoredFile
from gateway.store.postgres.pool import Database, affected

__all__ = ["PostgresFileStore"]

_COLUMNS = "id, account_id, path, filename, content_type, bytes, purpose, created_at, expires_at"


def _record(row: asyncpg.Record) -> StoredFile:
    return StoredFile(row["id"], row["account_id"], row["path"], row["filename"], row["content_type"],
                      row["bytes"], row["purpose"], row["created_at"], row["expires_at"])


class PostgresFileStore:
    def __init__(self, database: Database) -> None:
        self._db = database

    async def put(self, record: StoredFile, data: bytes) -> None:
        await self._db.pool.execute(
            f"INSERT INTO files ({_COLUMNS}, data) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
            record.id, record.account_id, record.path, record.filename, record.content_type, record.bytes,
            record.purpose, record.created_at, record.expires_at, data)

    async def find(self, account_id: str, reference: str, now: int) -> StoredFile | None:
        row = await self._db.pool.fetchrow(
            f"SELECT {_COLUMNS} FROM files WHERE (id = $1 OR path = $1) AND account_id = $2 AND expires_at > $3",
            reference, account_id, now)
        return _record(row) if row else None

    async def content(self, account_id: str, file_id: str, now: int) -> bytes | None:
        data = await self._db.pool.fetchval(
            "SELECT data FROM files WHERE id = $1 AND account_id = $2 AND expires_at > $3", file_id, account_id, now)
        return bytes(data) if data is not None else None

    async def purge(self, now: int) -> int:
        return affected(await self._db.pool.execute("DELETE FROM files WHERE expires_at <= $1", now))
