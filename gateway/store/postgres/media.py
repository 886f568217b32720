"""The PostgreSQL :class:`~gateway.store.media.MediaStore`: one row per object, the bytes as ``bytea``."""

from __future__ import annotations

from gateway.store.media import MediaObject
from gateway.store.postgres.pool import Database, affected

__all__ = ["PostgresMediaStore"]

_COLUMNS = "id, account_id, filename, content_type, bytes, created_at, expires_at"


class PostgresMediaStore:
    def __init__(self, database: Database) -> None:
        self._db = database

    async def put(self, record: MediaObject, data: bytes) -> None:
        await self._db.pool.execute(
            f"INSERT INTO media ({_COLUMNS}, data) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            record.id, record.account_id, record.filename, record.content_type, record.bytes, record.created_at,
            record.expires_at, data)

    async def get(self, object_id: str, now: int) -> tuple[MediaObject, bytes] | None:
        row = await self._db.pool.fetchrow(
            f"SELECT {_COLUMNS}, data FROM media WHERE id = $1 AND expires_at > $2", object_id, now)
        if row is None:
            return None
        return MediaObject(row["id"], row["account_id"], row["filename"], row["content_type"], row["bytes"],
                           row["created_at"], row["expires_at"]), bytes(row["data"])

    async def purge(self, now: int) -> int:
        return affected(await self._db.pool.execute("DELETE FROM media WHERE expires_at <= $1", now))
