"""The PostgreSQL :class:`~gateway.store.AccountStore`: accounts, keys and the charge journal, exact across
instances (D-169).

Every change that must happen once is one statement or one transaction whose ``WHERE`` re-checks the row
after taking its lock: a debit is ``GREATEST(balance - amount, 0)``, a hold ``ON CONFLICT DO NOTHING``, a
settlement flips ``pending`` to ``settled`` and debits in the same statement, the key limit counts under the
account row's lock. Each instance holds a session advisory lock for as long as it runs and stamps its holds
with it, so :meth:`PostgresAccountStore.void_pending` voids only the charges of instances no longer alive
(D-170).
"""

from __future__ import annotations

import secrets
import time

import asyncpg

from gateway.store import MAX_KEYS_PER_ACCOUNT, Account, ApiKey, Charge, StoreError
from gateway.store.postgres.pool import Database, affected

__all__ = ["LIVENESS_LOCKS", "PostgresAccountStore"]

LIVENESS_LOCKS = 0x656D_7069
"""The first key of the instances' two-key advisory locks (the second is the instance's ``holder``)."""

_ACCOUNT = "id, name, balance_nano, created_at, rpm, tpm, window_seconds"
_KEY = "id, account_id, digest, label, created_at, revoked_at, expires_at"
_CHARGE = "request_id, account_id, amount_nano, state, created_at, resolved_at"
_DEBIT = "UPDATE accounts SET balance_nano = GREATEST(balance_nano - $1, 0) WHERE id = $2"
"""A charge larger than the balance takes it to zero, never below (D-77)."""
_SETTLE = """
WITH settled AS (
    UPDATE charges SET state = 'settled', resolved_at = $2 WHERE request_id = $1 AND state = 'pending'
    RETURNING account_id, amount_nano
), debited AS (
    UPDATE accounts a SET balance_nano = GREATEST(a.balance_nano - s.amount_nano, 0)
    FROM settled s WHERE a.id = s.account_id
)
SELECT count(*) FROM settled
"""
_VOID_ORPHANS = f"""
UPDATE charges SET state = 'void', resolved_at = $1 WHERE state = 'pending' AND holder NOT IN (
    SELECT objid::bigint FROM pg_locks WHERE locktype = 'advisory' AND classid::bigint = $2 AND objsubid = 2
    AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
) RETURNING {_CHARGE}, seq
"""
"""Void the pending charges whose instance no longer holds its liveness lock."""


def _account(row: asyncpg.Record) -> Account:
    return Account(row["id"], row["name"], row["balance_nano"], row["created_at"], row["rpm"], row["tpm"],
                   row["window_seconds"])


def _key(row: asyncpg.Record) -> ApiKey:
    return ApiKey(row["id"], row["account_id"], row["digest"], row["label"], row["created_at"], row["revoked_at"],
                  row["expires_at"])


def _charge(row: asyncpg.Record) -> Charge:
    return Charge(row["request_id"], row["account_id"], row["amount_nano"], row["state"], row["created_at"],
                  row["resolved_at"])


class PostgresAccountStore:
    def __init__(self, database: Database, *, pepper: str = "") -> None:
        self._db = database
        self._configured = pepper.encode() if pepper else None
        self._pepper: bytes | None = None
        self._liveness: asyncpg.Connection | None = None
        self.holder = 0

    async def open(self) -> None:
        """Load (or create, once) the stored pepper and take this instance's liveness lock."""
        if self._liveness is not None:
            return
        self._pepper = self._configured or await self._stored_pepper()
        self._liveness = await self._db.connect()
        while True:
            holder = secrets.randbelow(2**31 - 1) + 1
            if await self._liveness.fetchval("SELECT pg_try_advisory_lock($1, $2)", LIVENESS_LOCKS, holder):
                self.holder = holder
                return

    async def close(self) -> None:
        liveness, self._liveness = self._liveness, None
        if liveness is not None:
            await liveness.close()

    async def _stored_pepper(self) -> bytes:
        """The pepper in ``meta``, created by whichever instance opens the store first."""
        await self._db.pool.execute(
            "INSERT INTO meta (key, value) VALUES ('key_pepper', $1) ON CONFLICT (key) DO NOTHING",
            secrets.token_hex(32))
        return bytes.fromhex(await self._db.pool.fetchval("SELECT value FROM meta WHERE key = 'key_pepper'"))

    def pepper(self) -> bytes:
        if self._pepper is None:
            raise RuntimeError("the PostgreSQL store is not open: its pepper is loaded by Stores.open()")
        return self._pepper

    async def create_account(self, name: str, balance_nano: int = 0) -> Account:
        account = Account(f"acct_{secrets.token_hex(8)}", name, balance_nano, int(time.time()))
        await self._db.pool.execute(
            "INSERT INTO accounts (id, name, balance_nano, created_at) VALUES ($1, $2, $3, $4)",
            account.id, account.name, account.balance_nano, account.created_at)
        return account

    async def get_account(self, account_id: str) -> Account | None:
        row = await self._db.pool.fetchrow(f"SELECT {_ACCOUNT} FROM accounts WHERE id = $1", account_id)
        return _account(row) if row else None

    async def list_accounts(self) -> list[Account]:
        rows = await self._db.pool.fetch(f"SELECT {_ACCOUNT} FROM accounts ORDER BY created_at, seq")
        return [_account(row) for row in rows]

    async def top_up(self, account_id: str, amount_nano: int) -> Account:
        row = await self._db.pool.fetchrow(
            f"UPDATE accounts SET balance_nano = balance_nano + $1 WHERE id = $2 RETURNING {_ACCOUNT}",
            amount_nano, account_id)
        if row is None:
            raise StoreError(f"no account {account_id}")
        return _account(row)

    async def debit(self, account_id: str, amount_nano: int) -> None:
        await self._db.pool.execute(_DEBIT, amount_nano, account_id)

    async def hold(self, request_id: str, account_id: str, amount_nano: int) -> None:
        await self._db.pool.execute(
            "INSERT INTO charges (request_id, account_id, amount_nano, created_at, holder) "
            "VALUES ($1, $2, $3, $4, $5) ON CONFLICT (request_id) DO NOTHING",
            request_id, account_id, amount_nano, int(time.time()), self.holder)

    async def settle(self, request_id: str) -> bool:
        return bool(await self._db.pool.fetchval(_SETTLE, request_id, int(time.time())))

    async def void(self, request_id: str) -> bool:
        status = await self._db.pool.execute(
            "UPDATE charges SET state = 'void', resolved_at = $2 WHERE request_id = $1 AND state = 'pending'",
            request_id, int(time.time()))
        return affected(status) == 1

    async def void_pending(self) -> list[Charge]:
        """Void the pending charges of every instance that is not running (this one's earlier lives included)."""
        rows = await self._db.pool.fetch(_VOID_ORPHANS, int(time.time()), LIVENESS_LOCKS)
        ordered = sorted(rows, key=lambda row: (row["created_at"], row["seq"]))
        return [Charge(row["request_id"], row["account_id"], row["amount_nano"], "pending", row["created_at"], None)
                for row in ordered]

    async def charges(self, state: str | None = None) -> list[Charge]:
        if state is None:
            rows = await self._db.pool.fetch(f"SELECT {_CHARGE} FROM charges ORDER BY created_at, seq")
        else:
            rows = await self._db.pool.fetch(
                f"SELECT {_CHARGE} FROM charges WHERE state = $1 ORDER BY created_at, seq", state)
        return [_charge(row) for row in rows]

    async def set_limits(self, account_id: str, *, rpm: int | None = None, tpm: int | None = None,
                         window: float | None = None) -> Account:
        row = await self._db.pool.fetchrow(
            "UPDATE accounts SET rpm = COALESCE($2, rpm), tpm = COALESCE($3, tpm), "
            f"window_seconds = COALESCE($4, window_seconds) WHERE id = $1 RETURNING {_ACCOUNT}",
            account_id, rpm, tpm, None if window is None else float(window))
        if row is None:
            raise StoreError(f"no account {account_id}")
        return _account(row)

    async def add_key(self, account_id: str, digest: str, label: str = "", *, expires_at: int | None = None,
                      limit: int = MAX_KEYS_PER_ACCOUNT) -> ApiKey:
        """Unrevoked keys are counted under the account row's lock (``FOR NO KEY UPDATE``: key additions queue,
        holds' foreign-key checks do not)."""
        key = ApiKey(f"key_{secrets.token_hex(8)}", account_id, digest, label, int(time.time()), None, expires_at)
        async with self._db.pool.acquire() as connection, connection.transaction():
            locked = await connection.fetchval("SELECT 1 FROM accounts WHERE id = $1 FOR NO KEY UPDATE", account_id)
            if locked is None:
                raise StoreError(f"no account {account_id}")
            live = await connection.fetchval(
                "SELECT count(*) FROM api_keys WHERE account_id = $1 AND revoked_at IS NULL", account_id)
            if live >= limit:
                raise StoreError(f"account {account_id} already holds {limit} keys (revoke one first)")
            await connection.execute(
                "INSERT INTO api_keys (id, account_id, digest, label, created_at, expires_at) "
                "VALUES ($1, $2, $3, $4, $5, $6)",
                key.id, key.account_id, key.digest, key.label, key.created_at, key.expires_at)
        return key

    async def find_key(self, digest: str) -> ApiKey | None:
        row = await self._db.pool.fetchrow(f"SELECT {_KEY} FROM api_keys WHERE digest = $1", digest)
        return _key(row) if row else None

    async def list_keys(self, account_id: str) -> list[ApiKey]:
        rows = await self._db.pool.fetch(
            f"SELECT {_KEY} FROM api_keys WHERE account_id = $1 ORDER BY created_at, seq", account_id)
        return [_key(row) for row in rows]

    async def revoke_key(self, key_id: str) -> ApiKey:
        row = await self._db.pool.fetchrow(
            f"UPDATE api_keys SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL RETURNING {_KEY}",
            int(time.time()), key_id)
        if row is None:
            raise StoreError(f"no live key {key_id}")
        return _key(row)
