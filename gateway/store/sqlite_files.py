"""The SQLite :class:`~gateway.store.files.FileStore`: one row per file, bytes as a BLOB, in the accounts'
database file (WAL mode)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from gateway.store.files import StoredFile
from gateway.store.sqlite_db import connect

__all__ = ["SqliteFileStore"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS files (
    id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL,
    path TEXT NOT NULL UNIQUE,
    filename TEXT NOT NULL,
    content_type TEXT NOT NULL,
    bytes INTEGER NOT NULL,
    purpose TEXT,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    data BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS files_expiry ON files (expires_at);
"""

_COLUMNS = "id, account_id, path, filename, content_type, bytes, purpose, created_at, expires_at"


def _record(row: tuple[Any, ...]) -> StoredFile:
    return StoredFile(*row)


class SqliteFileStore:
    def __init__(self, path: Path | str) -> None:
        self._db = connect(path)
        self._db.executescript(_SCHEMA)

    async def close(self) -> None:
        self._db.close()

    async def put(self, record: StoredFile, data: bytes) -> None:
        self._db.execute(
            f"INSERT INTO files ({_COLUMNS}, data) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (record.id, record.account_id, record.path, record.filename, record.content_type, record.bytes,
             record.purpose, record.created_at, record.expires_at, data),
        )

    async def find(self, account_id: str, reference: str, now: int) -> StoredFile | None:
        row = self._db.execute(
            f"SELECT {_COLUMNS} FROM files WHERE (id = ? OR path = ?) AND account_id = ? AND expires_at > ?",
            (reference, reference, account_id, now),
        ).fetchone()
        return _record(row) if row else None

    async def content(self, account_id: str, file_id: str, now: int) -> bytes | None:
        row = self._db.execute("SELECT data FROM files WHERE id = ? AND account_id = ? AND expires_at > ?",
                               (file_id, account_id, now)).fetchone()
        return bytes(row[0]) if row else None

    async def purge(self, now: int) -> int:
        return self._db.execute("DELETE FROM files WHERE expires_at <= ?", (now,)).rowcount
