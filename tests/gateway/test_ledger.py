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


def test_a_job_settles_its_requests_hold_at_its_cost_or_releases_it(tmp_path: Path) -> None:
    """D-186: the job takes over the request's hold: completion debits the job's cost under the request's
    charge (the hold becomes it); failure releases it; nothing stays held."""
    from decimal import Decimal

    from gateway.errors import UpstreamError
    from gateway.jobs import JobContext, JobOutcome, JobRunner
    from gateway.jobs.events import RunEvents
    from gateway.store.sqlite_jobs import SqliteJobStore

    async def run() -> None:
        accounts = SqliteStore(tmp_path / "g.db")
        account = await accounts.create_account("acme", 1_000_000_000)
        runner = JobRunner(SqliteJobStore(tmp_path / "g.db"), accounts, RunEvents(), lambda: 1_800_000_000.0,
                           timeout=5)

        async def works(context: JobContext) -> JobOutcome:
            return JobOutcome({"ok": True}, Decimal("0.25"))

        async def fails(context: JobContext) -> JobOutcome:
            raise UpstreamError("no")

        assert await accounts.reserve("req_ok", account.id, 400_000_000)
        assert await accounts.reserve("req_bad", account.id, 400_000_000)
        done = await runner.submit(account.id, "image_generation", "m", works, hold="req_ok")
        failed = await runner.submit(account.id, "image_generation", "m", fails, hold="req_bad")
        await runner.wait(done.id, 5)
        await runner.wait(failed.id, 5)
        current = await accounts.get_account(account.id)
        assert current is not None and current.balance_nano == 750_000_000
        assert await accounts.held(account.id) == 0
        states = {c.request_id: (c.state, c.amount_nano) for c in await accounts.charges()}
        assert states == {"req_ok": ("settled", 250_000_000), "req_bad": ("void", 0)}
        entries = await accounts.ledger(account.id)
        assert sum(e.balance_nano for e in entries) == 750_000_000 and sum(e.held_nano for e in entries) == 0
        await runner.close()
        await accounts.close()

    asyncio.run(run())


def test_admission_refuses_an_uncovered_hold_and_releases_on_failure_and_429(tmp_path: Path) -> None:
    """D-180, D-184: a hold the balance cannot cover is 402 before any upstream call; a call whose upstream
    failed and a 429 after the hold both leave nothing held and the balance untouched."""
    import dataclasses

    from starlette.testclient import TestClient

    from gateway.app import create_app
    from gateway.config import Upstream, load_settings
    from gateway.security import digest, new_key
    from tests.blocking import blocking

    settings = load_settings(env={})
    closed = {family: Upstream("http://127.0.0.1:9", "sk-x") for family in settings.upstreams}
    app = create_app(dataclasses.replace(settings, db_path=tmp_path / "g.db", upstreams=closed))
    store = blocking(app.state.gateway.store)
    keys = {}
    for name, balance in (("tiny", 1_000), ("funded", 10**12)):
        account = store.create_account(name, balance)
        keys[name] = (account.id, new_key())
        store.add_key(account.id, digest(keys[name][1], store.pepper()), "k")
        store.set_limits(account.id, rpm=1)
    body = {"model": "qwen3-max", "max_tokens": 1000, "messages": [{"role": "user", "content": "hi"}]}
    with TestClient(app, raise_server_exceptions=False) as client:
        refused = client.post("/v1/chat/completions", json=body, headers={"authorization": f"Bearer {keys['tiny'][1]}"})
        assert refused.status_code == 402 and refused.json()["error"]["code"] == "insufficient_credits"
        assert "estimated maximum cost" in refused.json()["error"]["message"]
        funded = {"authorization": f"Bearer {keys['funded'][1]}"}
        failed = client.post("/v1/chat/completions", json=body, headers=funded)
        assert failed.status_code >= 500
        limited = client.post("/v1/chat/completions", json=body, headers=funded)
        assert limited.status_code == 429
        for name, balance in (("tiny", 1_000), ("funded", 10**12)):
            account_id = keys[name][0]
            assert store.get_account(account_id).balance_nano == balance
            assert store.held(account_id) == 0
        kinds = [entry.kind for entry in store.ledger(keys["funded"][0])]
        assert kinds == ["top_up", "hold", "release", "hold", "release"]
