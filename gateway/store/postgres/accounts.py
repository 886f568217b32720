"""The PostgreSQL :class:`~gateway.store.AccountStore`: accounts, keys and the charge journal, exact across
instances (D-169).

Every change of money is one transaction under the account row's lock (``FOR UPDATE``): a reservation checks
the balance minus the open holds and inserts its hold (D-180), a debit or settlement takes at most the balance
(D-181), and each writes its ledger entry (D-182); the key limit counts under the same lock. Each instance holds a session advisory lock for as long as it runs and stamps its holds
with it, so :meth:`PostgresAccountStore.void_pending` voids only the charges of instances no longer alive
(D-170).
"""

from __future__ import annotations

import secrets
import time

import asyncpg
from asyncpg.pool import PoolConnectionProxy

from gateway.store import MAX_KEYS_PER_ACCOUNT, Account, ApiKey, Charge, LedgerEntry, StoreError
from gateway.store.postgres.pool import Database

__all__ = ["LIVENESS_LOCKS", "PostgresAccountStore"]

_Connection = asyncpg.Connection | PoolConnectionProxy

LIVENESS_LOCKS = 0x656D_7069
"""The first key of the instances' two-key advisory locks (the second is the instance's ``holder``)."""

_ACCOUNT = "id, name, balance_nano, created_at, rpm, tpm, window_seconds"
_KEY = "id, account_id, digest, label, created_at, revoked_at, expires_at"
_CHARGE = "request_id, account_id, amount_nano, state, created_at, resolved_at, reserved_nano"
_HELD = "SELECT COALESCE(sum(reserved_nano), 0) FROM charges WHERE account_id = $1 AND state IN ('held', 'pending')"
"""What an account's open charges keep from its balance (D-180)."""
_ENTRY = ("INSERT INTO ledger (account_id, kind, balance_nano, held_nano, request_id, created_at) "
          "VALUES ($1, $2, $3, $4, $5, $6)")
_ORPHANS = f"""
SELECT {_CHARGE}, seq FROM charges WHERE state IN ('held', 'pending') AND holder NOT IN (
    SELECT objid::bigint FROM pg_locks WHERE locktype = 'advisory' AND classid::bigint = $1 AND objsubid = 2
    AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
) ORDER BY created_at, seq
"""
"""The open charges whose instance no longer holds its liveness lock (D-170, D-183)."""


def _account(row: asyncpg.Record) -> Account:
    return Account(row["id"], row["name"], row["balance_nano"], row["created_at"], row["rpm"], row["tpm"],
                   row["window_seconds"])


def _key(row: asyncpg.Record) -> ApiKey:
    return ApiKey(row["id"], row["account_id"], row["digest"], row["label"], row["created_at"], row["revoked_at"],
                  row["expires_at"])


def _charge(row: asyncpg.Record) -> Charge:
    return Charge(row["request_id"], row["account_id"], row["amount_nano"], row["state"], row["created_at"],
                  row["resolved_at"], row["reserved_nano"])


async def _entry(connection: _Connection, account_id: str, kind: str, *, balance: int = 0, held: int = 0,
                 request_id: str | None = None) -> None:
    await connection.execute(_ENTRY, account_id, kind, balance, held, request_id, int(time.time()))


async def _take(connection: _Connection, account_id: str, amount_nano: int, kind: str, *, held: int = 0,
                request_id: str | None = None) -> int:
    """Debit up to the balance under the row's lock (never below zero, D-181), with its ledger entry."""
    balance = await connection.fetchval("SELECT balance_nano FROM accounts WHERE id = $1 FOR UPDATE", account_id)
    taken = max(min(amount_nano, balance or 0), 0)
    await connection.execute("UPDATE accounts SET balance_nano = balance_nano - $1 WHERE id = $2", taken, account_id)
    await _entry(connection, account_id, kind, balance=-taken, held=held, request_id=request_id)
    return taken


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
        async with self._db.pool.acquire() as connection, connection.transaction():
            await connection.execute(
                "INSERT INTO accounts (id, name, balance_nano, created_at) VALUES ($1, $2, $3, $4)",
                account.id, account.name, account.balance_nano, account.created_at)
            if balance_nano:
                await _entry(connection, account.id, "top_up", balance=balance_nano)
        return account

    async def get_account(self, account_id: str) -> Account | None:
        row = await self._db.pool.fetchrow(f"SELECT {_ACCOUNT} FROM accounts WHERE id = $1", account_id)
        return _account(row) if row else None

    async def list_accounts(self) -> list[Account]:
        rows = await self._db.pool.fetch(f"SELECT {_ACCOUNT} FROM accounts ORDER BY created_at, seq")
        return [_account(row) for row in rows]

    async def top_up(self, account_id: str, amount_nano: int) -> Account:
        async with self._db.pool.acquire() as connection, connection.transaction():
            row = await connection.fetchrow(
                f"UPDATE accounts SET balance_nano = balance_nano + $1 WHERE id = $2 RETURNING {_ACCOUNT}",
                amount_nano, account_id)
            if row is None:
                raise StoreError(f"no account {account_id}")
            await _entry(connection, account_id, "top_up", balance=amount_nano)
        return _account(row)

    async def debit(self, account_id: str, amount_nano: int) -> None:
        async with self._db.pool.acquire() as connection, connection.transaction():
            await _take(connection, account_id, amount_nano, "debit")

    async def held(self, account_id: str) -> int:
        return int(await self._db.pool.fetchval(_HELD, account_id))

    async def reserve(self, request_id: str, account_id: str, amount_nano: int) -> bool:
        async with self._db.pool.acquire() as connection, connection.transaction():
            balance = await connection.fetchval("SELECT balance_nano FROM accounts WHERE id = $1 FOR UPDATE", account_id)
            existing = await connection.fetchval("SELECT state FROM charges WHERE request_id = $1", request_id)
            if existing is not None:
                return bool(existing in ("held", "pending"))
            available = (balance or 0) - int(await connection.fetchval(_HELD, account_id))
            if available <= 0 or available < amount_nano:
                return False
            await connection.execute(
                "INSERT INTO charges (request_id, account_id, amount_nano, state, created_at, holder, reserved_nano) "
                "VALUES ($1, $2, 0, 'held', $3, $4, $5)",
                request_id, account_id, int(time.time()), self.holder, amount_nano)
            await _entry(connection, account_id, "hold", held=amount_nano, request_id=request_id)
        return True

    async def hold(self, request_id: str, account_id: str, amount_nano: int) -> None:
        async with self._db.pool.acquire() as connection, connection.transaction():
            await connection.execute("SELECT 1 FROM accounts WHERE id = $1 FOR UPDATE", account_id)
            existing = await connection.fetchval("SELECT state FROM charges WHERE request_id = $1", request_id)
            if existing is None:
                await connection.execute(
                    "INSERT INTO charges (request_id, account_id, amount_nano, created_at, holder, reserved_nano) "
                    "VALUES ($1, $2, $3, $4, $5, $3)",
                    request_id, account_id, amount_nano, int(time.time()), self.holder)
                await _entry(connection, account_id, "hold", held=amount_nano, request_id=request_id)
            elif existing == "held":  # the reservation becomes the charge, at the actual amount (D-180)
                await connection.execute(
                    "UPDATE charges SET state = 'pending', amount_nano = $2, holder = $3 WHERE request_id = $1",
                    request_id, amount_nano, self.holder)

    async def _locked_charge(self, connection: _Connection, request_id: str,
                             states: tuple[str, ...]) -> asyncpg.Record | None:
        """The request's charge in one of ``states``, its account row locked first (the order every writer takes)."""
        account_id = await connection.fetchval("SELECT account_id FROM charges WHERE request_id = $1", request_id)
        if account_id is None:
            return None
        await connection.execute("SELECT 1 FROM accounts WHERE id = $1 FOR UPDATE", account_id)
        return await connection.fetchrow(
            f"SELECT {_CHARGE} FROM charges WHERE request_id = $1 AND state = ANY($2::text[]) FOR UPDATE",
            request_id, list(states))

    async def settle(self, request_id: str) -> bool:
        async with self._db.pool.acquire() as connection, connection.transaction():
            row = await self._locked_charge(connection, request_id, ("pending",))
            if row is None:
                return False
            await connection.execute("UPDATE charges SET state = 'settled', resolved_at = $2 WHERE request_id = $1",
                                     request_id, int(time.time()))
            await _take(connection, row["account_id"], row["amount_nano"], "debit", held=-row["reserved_nano"],
                        request_id=request_id)
        return True

    async def _drop(self, request_id: str, states: tuple[str, ...]) -> bool:
        async with self._db.pool.acquire() as connection, connection.transaction():
            row = await self._locked_charge(connection, request_id, states)
            if row is None:
                return False
            await connection.execute("UPDATE charges SET state = 'void', resolved_at = $2 WHERE request_id = $1",
                                     request_id, int(time.time()))
            await _entry(connection, row["account_id"], "release", held=-row["reserved_nano"], request_id=request_id)
        return True

    async def release(self, request_id: str) -> bool:
        return await self._drop(request_id, ("held",))

    async def void(self, request_id: str) -> bool:
        return await self._drop(request_id, ("held", "pending"))

    async def void_pending(self) -> list[Charge]:
        """Void the held and pending charges of every instance that is not running (this one's earlier lives
        included, D-170); a charge another starting instance voided first is not returned twice."""
        voided = []
        for row in await self._db.pool.fetch(_ORPHANS, LIVENESS_LOCKS):
            if await self._drop(row["request_id"], ("held", "pending")):
                voided.append(_charge(row))
        return voided

    async def charges(self, state: str | None = None) -> list[Charge]:
        if state is None:
            rows = await self._db.pool.fetch(f"SELECT {_CHARGE} FROM charges ORDER BY created_at, seq")
        else:
            rows = await self._db.pool.fetch(
                f"SELECT {_CHARGE} FROM charges WHERE state = $1 ORDER BY created_at, seq", state)
        return [_charge(row) for row in rows]

    async def ledger(self, account_id: str) -> list[LedgerEntry]:
        rows = await self._db.pool.fetch(
            "SELECT seq, account_id, kind, balance_nano, held_nano, request_id, created_at FROM ledger "
            "WHERE account_id = $1 ORDER BY seq", account_id)
        return [LedgerEntry(*row) for row in rows]

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
