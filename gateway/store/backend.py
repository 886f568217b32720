"""Which stores hold the gateway's state: the embedded SQLite file, or a PostgreSQL every instance shares (D-167).

:func:`build_stores` picks the backend from the settings; :class:`Stores` holds its six stores. It is built
synchronously, opened once in the server's lifespan (a PostgreSQL pool connects and migrates there) and closed
at shutdown. The SQLite stores are usable as soon as they are built, so an app served without a lifespan
(in-process tests) still works on them.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from gateway.config import Settings
from gateway.store import AccountStore
from gateway.store.files import FileStore
from gateway.store.jobs import JobStore
from gateway.store.media import MediaStore
from gateway.store.responses import ResponseStore
from gateway.store.usage import UsageStore

__all__ = ["Stores", "build_stores"]


async def _nothing() -> None:
    return None


@dataclass
class Stores:
    accounts: AccountStore
    responses: ResponseStore
    files: FileStore
    jobs: JobStore
    media: MediaStore
    usage: UsageStore
    opener: Callable[[], Awaitable[None]] = field(default=_nothing)
    closer: Callable[[], Awaitable[None]] = field(default=_nothing)

    async def open(self) -> None:
        """Connect and migrate (PostgreSQL); nothing for SQLite."""
        await self.opener()

    async def close(self) -> None:
        await self.closer()


def sqlite_stores(settings: Settings) -> Stores:
    from gateway.store.sqlite import SqliteStore
    from gateway.store.sqlite_files import SqliteFileStore
    from gateway.store.sqlite_jobs import SqliteJobStore
    from gateway.store.sqlite_media import SqliteMediaStore
    from gateway.store.sqlite_responses import SqliteResponseStore
    from gateway.store.sqlite_usage import SqliteUsageStore

    path = settings.db_path
    accounts, responses = SqliteStore(path, pepper=settings.key_pepper), SqliteResponseStore(path)
    files, jobs, media = SqliteFileStore(path), SqliteJobStore(path), SqliteMediaStore(path)
    usage = SqliteUsageStore(path)

    async def close() -> None:
        for store in (accounts, responses, files, jobs, media, usage):
            await store.close()

    return Stores(accounts, responses, files, jobs, media, usage, closer=close)


def build_stores(settings: Settings) -> Stores:
    """PostgreSQL when ``[store] url`` (``EMPIRIO_DATABASE_URL``) is set, else the SQLite file."""
    if settings.database_url:
        from gateway.store.postgres import postgres_stores

        return postgres_stores(settings.database_url, pepper=settings.key_pepper)
    return sqlite_stores(settings)
