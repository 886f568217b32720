"""The ledger on the embedded store (D-182): an older file gains the hold column and the ledger, opened with each
account's balance, and from then on every movement keeps the entries summing to the balance and to what is held."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

from gateway.store.sqlite import SqliteStore


def test_an_older_sqlite_store_gains_holds_and_an_opening_ledger(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    db = sqlite3.connect(path)
    db.executescript("""
        CREATE TABLE accounts (id TEXT PRIMARY KEY, name TEXT NOT NULL, balance_nano INTEGER NOT NULL DEFAULT 0,
            created_at INTEGER NOT NULL, rpm INTEGER NOT NULL DEFAULT 50, tpm INTEGER NOT NULL DEFAULT 2000000);
        CREATE TABLE charges (request_id TEXT PRIMARY KEY, account_id TEXT NOT NULL, amount_nano INTEGER NOT NULL,
            state TEXT NOT NULL DEFAULT 'pending', created_at INTEGER NOT NULL, resolved_at INTEGER);
        INSERT INTO accounts (id, name, balance_nano, created_at) VALUES ('acct_old', 'old', 500, 1);
    """)
    db.commit()
    db.close()

    async def run() -> None:
        store = SqliteStore(path)
        [entry] = await store.ledger("acct_old")
        assert (entry.kind, entry.balance_nano) == ("opening", 500)
        assert await store.reserve("req_1", "acct_old", 200)
        await store.hold("req_1", "acct_old", 120)
        await store.settle("req_1")
        await store.close()
        again = SqliteStore(path)  # reopening adds no second opening entry
        entries = await again.ledger("acct_old")
        assert [e.kind for e in entries] == ["opening", "hold", "debit"]
        assert sum(e.balance_nano for e in entries) == 380 == (await again.get_account("acct_old")).balance_nano  # type: ignore[union-attr]
        assert sum(e.held_nano for e in entries) == 0 == await again.held("acct_old")
        await again.close()

    asyncio.run(run())


def test_random_movements_keep_the_ledger_equal_to_the_balance(tmp_path: Path) -> None:
    async def run() -> None:
        store = SqliteStore(tmp_path / "s.db")
        account = await store.create_account("acme", 1_000)
        for n in range(40):
            request = f"req_{n}"
            if await store.reserve(request, account.id, 37 * (n % 5)):
                if n % 3 == 0:
                    await store.release(request)
                else:
                    await store.hold(request, account.id, 53 * (n % 4))
                    await store.settle(request)
            if n % 7 == 0:
                await store.top_up(account.id, 100)
            entries = await store.ledger(account.id)
            current = await store.get_account(account.id)
            assert current is not None and current.balance_nano >= 0
            assert sum(e.balance_nano for e in entries) == current.balance_nano
            assert sum(e.held_nano for e in entries) == await store.held(account.id)
        await store.close()

    asyncio.run(run())
