"""The PostgreSQL backend (D-167): the six stores on one database every gateway instance shares.

:func:`postgres_stores` builds them around one :class:`~gateway.store.postgres.pool.Database`; its
:meth:`~gateway.store.backend.Stores.open` (in the server's lifespan, inside the running loop) creates the
asyncpg pool, migrates the schema and loads the key pepper; :meth:`~gateway.store.backend.Stores.close`
closes the pool. Before ``open`` every store method raises :class:`RuntimeError`.
"""

from __future__ import annotations

from gateway.store.backend import Stores
from gateway.store.postgres.accounts import PostgresAccountStore
from gateway.store.postgres.files import PostgresFileStore
from gateway.store.postgres.jobs import PostgresJobStore
from gateway.store.postgres.media import PostgresMediaStore
from gateway.store.postgres.pool import Database
from gateway.store.postgres.responses import PostgresResponseStore
from gateway.store.postgres.usage import PostgresUsageStore

__all__ = ["Database", "PostgresAccountStore", "PostgresFileStore", "PostgresJobStore", "PostgresMediaStore",
           "PostgresResponseStore", "PostgresUsageStore", "postgres_stores"]


def postgres_stores(url: str, *, pepper: str = "") -> Stores:
    """The stores on the database at ``url`` (``postgresql://user@host:port/db``); ``pepper`` as configured."""
    database = Database(url)
    accounts = PostgresAccountStore(database, pepper=pepper)

    async def open_() -> None:
        await database.open()
        try:
            await accounts.open()
        except BaseException:
            await close()
            raise

    async def close() -> None:
        await accounts.close()
        await database.close()

    return Stores(accounts, PostgresResponseStore(database), PostgresFileStore(database),
                  PostgresJobStore(database), PostgresMediaStore(database), PostgresUsageStore(database),
                  opener=open_, closer=close)
