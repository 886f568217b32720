"""The SQLite :class:`~gateway.store.responses.ResponseStore`: one row per stored response and one per item
id (for ``item_reference``), in the same database file as the accounts (WAL mode)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from gateway.store.responses import StoredResponse
from gateway.store.sqlite_db import connect

__all__ = ["SqliteResponseStore"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS responses (
    id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL,
    response TEXT NOT NULL,
    input_items TEXT NOT NULL,
    context TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS responses_expiry ON responses (expires_at);
CREATE TABLE IF NOT EXISTS response_items (
    item_id TEXT NOT NULL,
    account_id TEXT NOT NULL,
    response_id TEXT NOT NULL REFERENCES responses(id) ON DELETE CASCADE,
    item TEXT NOT NULL,
    PRIMARY KEY (account_id, item_id, response_id)
);
"""

_COLUMNS = "id, account_id, response, input_items, context, created_at, expires_at"


def _record(row: tuple[Any, ...]) -> StoredResponse:
    rid, account, response, items, context, created, expires = row
    return StoredResponse(rid, account, json.loads(response), json.loads(items), json.loads(context), created, expires)


class SqliteResponseStore:
    def __init__(self, path: Path | str) -> None:
        self._db = connect(path)
        self._db.execute("PRAGMA foreign_keys=ON")
        self._db.executescript(_SCHEMA)

    async def close(self) -> None:
        self._db.close()

    async def put(self, record: StoredResponse) -> None:
        items = [*record.input_items, *record.response.get("output", ())]
        with self._db:
            self._db.execute("BEGIN")
            self._db.execute(
                f"INSERT OR REPLACE INTO responses ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (record.id, record.account_id, json.dumps(record.response), json.dumps(record.input_items),
                 json.dumps(record.context), record.created_at, record.expires_at),
            )
            self._db.executemany(
                "INSERT OR REPLACE INTO response_items (item_id, account_id, response_id, item) VALUES (?, ?, ?, ?)",
                [(item["id"], record.account_id, record.id, json.dumps(item)) for item in items if item.get("id")],
            )

    async def get(self, account_id: str, response_id: str, now: int) -> StoredResponse | None:
        row = self._db.execute(
            f"SELECT {_COLUMNS} FROM responses WHERE id = ? AND account_id = ? AND expires_at > ?",
            (response_id, account_id, now),
        ).fetchone()
        return _record(row) if row else None

    async def delete(self, account_id: str, response_id: str, now: int) -> bool:
        cursor = self._db.execute("DELETE FROM responses WHERE id = ? AND account_id = ? AND expires_at > ?",
                                  (response_id, account_id, now))
        return cursor.rowcount == 1

    async def find_item(self, account_id: str, item_id: str, now: int) -> dict[str, Any] | None:
        row = self._db.execute(
            "SELECT i.item FROM response_items i JOIN responses r ON r.id = i.response_id "
            "WHERE i.account_id = ? AND i.item_id = ? AND r.account_id = ? AND r.expires_at > ? "
            "ORDER BY r.created_at DESC LIMIT 1",
            (account_id, item_id, account_id, now),
        ).fetchone()
        return dict(json.loads(row[0])) if row else None

    async def purge(self, now: int) -> int:
        return self._db.execute("DELETE FROM responses WHERE expires_at <= ?", (now,)).rowcount
