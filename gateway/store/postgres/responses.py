"""The PostgreSQL :class:`~gateway.store.responses.ResponseStore`: one row per stored response and one per
item id (for ``item_reference``), the documents as ``json`` (kept as written, key order included)."""

from __future__ import annotations

from typing import Any

import asyncpg

from gateway.store.postgres.pool import Database, affected
from gateway.store.responses import StoredResponse

__all__ = ["PostgresResponseStore"]

_COLUMNS = "id, account_id, response, input_items, context, created_at, expires_at"


def _record(row: asyncpg.Record) -> StoredResponse:
    return StoredResponse(row["id"], row["account_id"], row["response"], row["input_items"], row["context"],
                          row["created_at"], row["expires_at"])


class PostgresResponseStore:
    def __init__(self, database: Database) -> None:
        self._db = database

    async def put(self, record: StoredResponse) -> None:
        """Insert or replace the record and its items, in one transaction."""
        items = [*record.input_items, *record.response.get("output", ())]
        async with self._db.pool.acquire() as connection, connection.transaction():
            await connection.execute(
                f"INSERT INTO responses ({_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (id) DO UPDATE "
                "SET account_id = EXCLUDED.account_id, response = EXCLUDED.response, "
                "input_items = EXCLUDED.input_items, context = EXCLUDED.context, "
                "created_at = EXCLUDED.created_at, expires_at = EXCLUDED.expires_at",
                record.id, record.account_id, record.response, record.input_items, record.context,
                record.created_at, record.expires_at)
            await connection.execute("DELETE FROM response_items WHERE response_id = $1", record.id)
            rows = {(item["id"], record.account_id, record.id): item for item in items if item.get("id")}
            await connection.executemany(
                "INSERT INTO response_items (item_id, account_id, response_id, item) VALUES ($1, $2, $3, $4)",
                [(*key, item) for key, item in rows.items()])

    async def get(self, account_id: str, response_id: str, now: int) -> StoredResponse | None:
        row = await self._db.pool.fetchrow(
            f"SELECT {_COLUMNS} FROM responses WHERE id = $1 AND account_id = $2 AND expires_at > $3",
            response_id, account_id, now)
        return _record(row) if row else None

    async def delete(self, account_id: str, response_id: str, now: int) -> bool:
        status = await self._db.pool.execute(
            "DELETE FROM responses WHERE id = $1 AND account_id = $2 AND expires_at > $3",
            response_id, account_id, now)
        return affected(status) == 1

    async def find_item(self, account_id: str, item_id: str, now: int) -> dict[str, Any] | None:
        item = await self._db.pool.fetchval(
            "SELECT i.item FROM response_items i JOIN responses r ON r.id = i.response_id "
            "WHERE i.account_id = $1 AND i.item_id = $2 AND r.account_id = $1 AND r.expires_at > $3 "
            "ORDER BY r.created_at DESC LIMIT 1", account_id, item_id, now)
        return dict(item) if item is not None else None

    async def purge(self, now: int) -> int:
        return affected(await self._db.pool.execute("DELETE FROM responses WHERE expires_at <= $1", now))
