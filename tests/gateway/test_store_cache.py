"""The per-process cache of key records and account limits (D-207): bounded by its ttl, dropped at once by a
revocation or a limit change made through it, never caching a key that was not found."""

from __future__ import annotations

import asyncio
from pathlib import Path

from gateway.security import digest, new_key
from gateway.store.cache import CachedStore
from gateway.store.sqlite import SqliteStore


class _Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_key_records_are_reused_until_the_ttl_or_a_revocation(tmp_path: Path) -> None:
    async def main() -> None:
        store, other = SqliteStore(tmp_path / "s.db"), SqliteStore(tmp_path / "s.db")  # other: the admin CLI
        clock = _Clock()
        cached = CachedStore(store, ttl=1.0, clock=clock)
        account = await store.create_account("acme", 10)
        key = new_key()
        wanted = digest(key, store.pepper())
        assert await cached.find_key(wanted) is None  # not found: not cached
        record = await other.add_key(account.id, wanted)
        assert await cached.find_key(wanted) == record  # a key made elsewhere works at once
        await other.revoke_key(record.id)
        assert (await cached.find_key(wanted)).revoked_at is None  # type: ignore[union-attr]  # elsewhere: within the ttl
        clock.now = 1.5
        assert (await cached.find_key(wanted)).revoked_at is not None  # type: ignore[union-attr]
        second = await store.add_key(account.id, digest(new_key(), store.pepper()))
        assert (await cached.find_key(second.digest)) == second
        await cached.revoke_key(second.id)  # through this process: at once
        assert (await cached.find_key(second.digest)).revoked_at is not None  # type: ignore[union-attr]
        await store.close()
        await other.close()

    asyncio.run(main())


def test_limits_are_reused_until_the_ttl_or_a_change_through_the_cache(tmp_path: Path) -> None:
    async def main() -> None:
        store = SqliteStore(tmp_path / "s.db")
        clock = _Clock()
        cached = CachedStore(store, ttl=1.0, clock=clock)
        account = await store.create_account("acme", 10)
        assert (await cached.limits_of(account.id)).rpm == 50  # type: ignore[union-attr]
        await store.set_limits(account.id, rpm=7)
        assert (await cached.limits_of(account.id)).rpm == 50  # type: ignore[union-attr]
        await cached.set_limits(account.id, rpm=8)
        assert (await cached.limits_of(account.id)).rpm == 8  # type: ignore[union-attr]
        await store.top_up(account.id, 5)
        assert (await cached.get_account(account.id)).balance_nano == 15  # never cached
        await store.close()

    asyncio.run(main())


def test_a_ttl_of_zero_reads_every_time(tmp_path: Path) -> None:
    async def main() -> None:
        store = SqliteStore(tmp_path / "s.db")
        cached = CachedStore(store, ttl=0.0)
        account = await store.create_account("acme", 10)
        record = await store.add_key(account.id, digest(new_key(), store.pepper()))
        assert await cached.find_key(record.digest) == record
        await store.revoke_key(record.id)
        assert (await cached.find_key(record.digest)).revoked_at is not None  # type: ignore[union-attr]
        await store.close()

    asyncio.run(main())
