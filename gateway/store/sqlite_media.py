"""The SQLite :class:`~gateway.store.media.MediaStore`: one row per object, bytes as a BLOB."""

from __future__ import annotations

from pathlib import Path

from gateway.store.media import MediaObject
from gateway.store.sqlite_db import connect

__all__ = ["SqliteMediaStore"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS media (
    id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL,
    filename TEXT NOT NULL,
    content_type TEXT NOT NULL,
    bytes INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    data BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS media_expiry ON media (expires_at);
"""

_COLUMNS = "id, account_id, filename, content_type, bytes, created_at, expires_at"


class SqliteMediaStore:
    def __init__(self, path: Path | str) -> None:
        self._db = connect(path)
        self._db.executescript(_SCHEMA)

    async def close(self) -> None:
        self._db.close()

    async def put(self, record: MediaObject, data: bytes) -> None:
        self._db.execute(
            f"INSERT INTO media ({_COLUMNS}, data) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (record.id, record.account_id, record.filename, record.content_type, record.bytes, record.created_at,
             record.expires_at, data),
        )

    async def get(self, object_id: str, now: int) -> tuple[MediaObject, bytes] | None:
        row = self._db.execute(f"SELECT {_COLUMNS}, data FROM media WHERE id = ? AND expires_at > ?",
                               (object_id, now)).fetchone()
        return (MediaObject(*row[:-1]), bytes(row[-1])) if row else None

    async def purge(self, now: int) -> int:
        return self._db.execute("DELETE FROM media WHERE expires_at <= ?", (now,)).rowcount
