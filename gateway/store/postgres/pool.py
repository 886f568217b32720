"""The one asyncpg pool the PostgreSQL stores share, created in the running event loop by :meth:`Database.open`.

Every connection decodes ``json``/``jsonb`` to Python values and encodes them back (the stores pass dicts and
lists, never JSON text). Opening migrates the schema (:mod:`gateway.store.postgres.migrations`).
"""

from __future__ import annotations

import json

import asyncpg

from gateway.store.postgres.migrations import migrate

__all__ = ["COMMAND_TIMEOUT", "MAX_CONNECTIONS", "MIN_CONNECTIONS", "Database", "affected"]

MIN_CONNECTIONS = 1
MAX_CONNECTIONS = 10
COMMAND_TIMEOUT = 30.0
"""Seconds one statement may take before asyncpg cancels it (a stuck server fails a request, not the loop)."""


def affected(status: str) -> int:
    """The row count of a command's status (``"DELETE 3"`` → 3)."""
    return int(status.rsplit(" ", 1)[-1])


def _dumps(value: object) -> str:
    return json.dumps(value, ensure_ascii=False)


async def _init(connection: asyncpg.Connection) -> None:
    for name in ("json", "jsonb"):
        await connection.set_type_codec(name, encoder=_dumps, decoder=json.loads, schema="pg_catalog")


class Database:
    """``url``'s pool once :meth:`open` ran; before that (or after :meth:`close`) :attr:`pool` raises."""

    def __init__(self, url: str, *, min_size: int = MIN_CONNECTIONS, max_size: int = MAX_CONNECTIONS,
                 command_timeout: float = COMMAND_TIMEOUT) -> None:
        self.url = url
        self._sizes = (min_size, max_size)
        self._command_timeout = command_timeout
        self._pool: asyncpg.Pool | None = None

    @property
    def pool(self) -> asyncpg.Pool:
        if self._pool is None:
            raise RuntimeError("the PostgreSQL store is not open: Stores.open() connects it in the server's lifespan")
        return self._pool

    async def open(self) -> None:
        """Create the pool and bring the schema up to date (once, whichever instance starts first)."""
        if self._pool is not None:
            return
        pool = await asyncpg.create_pool(self.url, min_size=self._sizes[0], max_size=self._sizes[1],
                                         command_timeout=self._command_timeout, init=_init)
        try:
            async with pool.acquire() as connection:
                await migrate(connection)
        except BaseException:
            await pool.close()
            raise
        self._pool = pool

    async def connect(self) -> asyncpg.Connection:
        """A connection outside the pool (held for the instance's life: its liveness lock)."""
        return await asyncpg.connect(self.url, command_timeout=self._command_timeout)

    async def close(self) -> None:
        pool, self._pool = self._pool, None
        if pool is not None:
            await pool.close()
