"""The PostgreSQL :class:`~gateway.store.usage.UsageStore`: one row per call; a batch is one statement."""

from __future__ import annotations

from gateway.store.postgres.pool import Database
from gateway.store.sqlite_usage import COLUMNS, entry_of
from gateway.store.usage import UsageEntry

__all__ = ["PostgresUsageStore"]

_INSERT = f"""
INSERT INTO usage_entries ({COLUMNS})
SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::int[],
                     $8::bigint[], $9::bigint[], $10::bigint[], $11::bigint[], $12::json[], $13::bigint[],
                     $14::float8[], $15::float8[])
ON CONFLICT (request_id) DO NOTHING
"""


class PostgresUsageStore:
    def __init__(self, database: Database) -> None:
        self._db = database

    async def close(self) -> None:
        return None

    async def add(self, entries: list[UsageEntry]) -> None:
        if not entries:
            return
        columns = [[e.request_id for e in entries], [e.account_id for e in entries], [e.key_id for e in entries],
                   [e.model for e in entries], [e.endpoint for e in entries], [e.method for e in entries],
                   [e.status for e in entries], [e.input_tokens for e in entries], [e.output_tokens for e in entries],
                   [e.reasoning_tokens for e in entries], [e.cached_tokens for e in entries],
                   [e.units for e in entries], [e.cost_nano for e in entries], [e.latency_ms for e in entries],
                   [e.created_at for e in entries]]
        await self._db.pool.execute(_INSERT, *columns)

    async def page(self, account_id: str, limit: int, after: str | None = None) -> tuple[list[UsageEntry], bool] | None:
        below = None
        if after is not None:
            if "\x00" in after:
                return None
            below = await self._db.pool.fetchval(
                "SELECT seq FROM usage_entries WHERE request_id = $1 AND account_id = $2", after, account_id)
            if below is None:
                return None
        rows = await self._db.pool.fetch(
            f"SELECT {COLUMNS} FROM usage_entries WHERE account_id = $1 AND seq < $2 ORDER BY seq DESC LIMIT $3",
            account_id, below if below is not None else 2**62, limit + 1)
        return [entry_of(list(row.values())) for row in rows[:limit]], len(rows) > limit
