"""A journalling whose caller is cancelled (a stream the client cut at its last write) leaves nothing open
(D-207): the group-committed hold is still carried out, and the credits middleware voids it."""

from __future__ import annotations

import asyncio
from pathlib import Path
from types import SimpleNamespace

import pytest

from gateway.middleware.auth import AuthContext
from gateway.middleware.credits import CreditsMiddleware, check_credits, estimate
from gateway.store.sqlite import SqliteStore


def test_a_cancelled_journalling_is_voided(tmp_path: Path) -> None:
    async def main() -> None:
        store = SqliteStore(tmp_path / "s.db")
        account = await store.create_account("acme", 1_000_000)
        app = SimpleNamespace(state=SimpleNamespace(gateway=SimpleNamespace(store=store)))
        scope = {"type": "http", "app": app, "state": {"request_id": "req_1", "auth": AuthContext(account.id, "k")}}
        estimate(scope, None)
        await check_credits(scope)
        task = asyncio.ensure_future(CreditsMiddleware.journal(scope, ("req_1", account.id, 500)))
        await asyncio.sleep(0)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        await store.debit(account.id, 0)  # one more turn of the writer: everything queued before it is done
        assert [c.state for c in await store.charges()] == ["void"]
        assert await store.held(account.id) == 0 and "credit_hold" not in scope["state"]
        await store.close()

    asyncio.run(main())
