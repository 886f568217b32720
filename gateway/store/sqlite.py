"""The embedded SQLite account store (WAL mode, so the admin CLI can write while the gateway serves)."""

from __future__ import annotations

import secrets
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from gateway.store import MAX_KEYS_PER_ACCOUNT, Account, ApiKey, Charge, LedgerEntry, StoreError
from gateway.store.sqlite_db import connect

__all__ = ["MAX_KEYS_PER_ACCOUNT", "SqliteStore", "StoreError"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS accounts (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    balance_nano INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL,
    rpm INTEGER NOT NULL DEFAULT 50,
    tpm INTEGER NOT NULL DEFAULT 2000000,
    window_seconds REAL NOT NULL DEFAULT 60
);
CREATE TABLE IF NOT EXISTS api_keys (
    id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts(id),
    digest TEXT NOT NULL UNIQUE,
    label TEXT NOT NULL DEFAULT '',
    created_at INTEGER NOT NULL,
    revoked_at INTEGER,
    expires_at INTEGER
);
CREATE TABLE IF NOT EXISTS charges (
    request_id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts(id),
    amount_nano INTEGER NOT NULL,
    state TEXT NOT NULL DEFAULT 'pending',
    created_at INTEGER NOT NULL,
    resolved_at INTEGER,
    reserved_nano INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS ledger (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id TEXT NOT NULL REFERENCES accounts(id),
    kind TEXT NOT NULL,
    balance_nano INTEGER NOT NULL DEFAULT 0,
    held_nano INTEGER NOT NULL DEFAULT 0,
    request_id TEXT,
    created_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS ledger_account ON ledger (account_id, seq);
CREATE INDEX IF NOT EXISTS charges_open ON charges (account_id) WHERE state IN ('held', 'pending');
"""

_KEY = "id, account_id, digest, label, created_at, revoked_at, expires_at"

_CHARGE = "request_id, account_id, amount_nano, state, created_at, resolved_at, reserved_nano"
_LEDGER = "seq, account_id, kind, balance_nano, held_nano, request_id, created_at"
_HELD = "SELECT COALESCE(SUM(reserved_nano), 0) FROM charges WHERE account_id = ? AND state IN ('held', 'pending')"
"""What an account's open charges keep from its balance (D-180)."""


class SqliteStore:
    def __init__(self, path: Path | str, *, pepper: str = "") -> None:
        self._db = connect(path)
        self._db.executescript(_SCHEMA)
        self._migrate()
        self._pepper = pepper.encode() if pepper else self._stored_pepper()

    def _migrate(self) -> None:
        """Columns added after a store was first created (D-142: the window per account; D-200: key expiry)."""
        columns = {row[1] for row in self._db.execute("PRAGMA table_info(accounts)")}
        if "window_seconds" not in columns:
            self._db.execute("ALTER TABLE accounts ADD COLUMN window_seconds REAL NOT NULL DEFAULT 60")
        if "expires_at" not in {row[1] for row in self._db.execute("PRAGMA table_info(api_keys)")}:
            self._db.execute("ALTER TABLE api_keys ADD COLUMN expires_at INTEGER")
        if "reserved_nano" not in {row[1] for row in self._db.execute("PRAGMA table_info(charges)")}:
            self._db.execute("ALTER TABLE charges ADD COLUMN reserved_nano INTEGER NOT NULL DEFAULT 0")
        self._db.execute(  # D-182: an account from before the ledger opens it with its balance
            "INSERT INTO ledger (account_id, kind, balance_nano, held_nano, request_id, created_at) "
            "SELECT id, 'opening', balance_nano, 0, NULL, created_at FROM accounts a "
            "WHERE balance_nano != 0 AND NOT EXISTS (SELECT 1 FROM ledger l WHERE l.account_id = a.id)"
        )

    def _stored_pepper(self) -> bytes:
        self._db.execute(
            "INSERT OR IGNORE INTO meta (key, value) VALUES ('key_pepper', ?)", (secrets.token_hex(32),)
        )
        row = self._db.execute("SELECT value FROM meta WHERE key = 'key_pepper'").fetchone()
        return bytes.fromhex(row[0])

    def pepper(self) -> bytes:
        return self._pepper

    async def close(self) -> None:
        self._db.close()

    async def create_account(self, name: str, balance_nano: int = 0) -> Account:
        account = Account(f"acct_{secrets.token_hex(8)}", name, balance_nano, int(time.time()))
        with self._transaction():
            self._db.execute(
                "INSERT INTO accounts (id, name, balance_nano, created_at) VALUES (?, ?, ?, ?)",
                (account.id, account.name, account.balance_nano, account.created_at),
            )
            if balance_nano:
                self._entry(account.id, "top_up", balance=balance_nano)
        return account

    async def get_account(self, account_id: str) -> Account | None:
        row = self._db.execute(
            "SELECT id, name, balance_nano, created_at, rpm, tpm, window_seconds FROM accounts WHERE id = ?", (account_id,)
        ).fetchone()
        return Account(*row) if row else None

    async def list_accounts(self) -> list[Account]:
        rows = self._db.execute("SELECT id, name, balance_nano, created_at, rpm, tpm, window_seconds FROM accounts ORDER BY created_at")
        return [Account(*row) for row in rows]

    @contextmanager
    def _transaction(self) -> Iterator[None]:
        """One ``BEGIN IMMEDIATE`` transaction: the write lock first, so a check and its write are atomic
        against every other process on the file (the admin CLI, D-180)."""
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    def _entry(self, account_id: str, kind: str, *, balance: int = 0, held: int = 0, request_id: str | None = None) -> None:
        self._db.execute(
            "INSERT INTO ledger (account_id, kind, balance_nano, held_nano, request_id, created_at) VALUES (?, ?, ?, ?, ?, ?)",
            (account_id, kind, balance, held, request_id, int(time.time())),
        )

    def _take(self, account_id: str, amount_nano: int, kind: str, *, held: int = 0, request_id: str | None = None) -> int:
        """Debit up to the balance (never below zero, D-181), with its ledger entry; what was taken."""
        row = self._db.execute("SELECT balance_nano FROM accounts WHERE id = ?", (account_id,)).fetchone()
        taken = max(min(amount_nano, row[0] if row else 0), 0)
        self._db.execute("UPDATE accounts SET balance_nano = balance_nano - ? WHERE id = ?", (taken, account_id))
        self._entry(account_id, kind, balance=-taken, held=held, request_id=request_id)
        return taken

    async def top_up(self, account_id: str, amount_nano: int) -> Account:
        with self._transaction():
            cursor = self._db.execute(
                "UPDATE accounts SET balance_nano = balance_nano + ? WHERE id = ?", (amount_nano, account_id)
            )
            if cursor.rowcount != 1:
                raise StoreError(f"no account {account_id}")
            self._entry(account_id, "top_up", balance=amount_nano)
        account = await self.get_account(account_id)
        assert account is not None
        return account

    async def debit(self, account_id: str, amount_nano: int) -> None:
        with self._transaction():
            self._take(account_id, amount_nano, "debit")

    async def held(self, account_id: str) -> int:
        return int(self._db.execute(_HELD, (account_id,)).fetchone()[0])

    async def reserve(self, request_id: str, account_id: str, amount_nano: int) -> bool:
        with self._transaction():
            existing = self._db.execute("SELECT state FROM charges WHERE request_id = ?", (request_id,)).fetchone()
            if existing is not None:
                return bool(existing[0] in ("held", "pending"))
            row = self._db.execute("SELECT balance_nano FROM accounts WHERE id = ?", (account_id,)).fetchone()
            available = (row[0] if row else 0) - int(self._db.execute(_HELD, (account_id,)).fetchone()[0])
            if available <= 0 or available < amount_nano:
                return False
            self._db.execute(
                "INSERT INTO charges (request_id, account_id, amount_nano, state, created_at, reserved_nano) "
                "VALUES (?, ?, 0, 'held', ?, ?)",
                (request_id, account_id, int(time.time()), amount_nano),
            )
            self._entry(account_id, "hold", held=amount_nano, request_id=request_id)
        return True

    async def hold(self, request_id: str, account_id: str, amount_nano: int) -> None:
        with self._transaction():
            existing = self._db.execute("SELECT state FROM charges WHERE request_id = ?", (request_id,)).fetchone()
            if existing is None:
                self._db.execute(
                    "INSERT INTO charges (request_id, account_id, amount_nano, created_at, reserved_nano) VALUES (?, ?, ?, ?, ?)",
                    (request_id, account_id, amount_nano, int(time.time()), amount_nano),
                )
                self._entry(account_id, "hold", held=amount_nano, request_id=request_id)
            elif existing[0] == "held":  # the reservation becomes the charge, at the actual amount (D-180)
                self._db.execute("UPDATE charges SET state = 'pending', amount_nano = ? WHERE request_id = ?",
                                 (amount_nano, request_id))

    async def settle(self, request_id: str) -> bool:
        with self._transaction():
            row = self._db.execute(
                "SELECT account_id, amount_nano, reserved_nano FROM charges WHERE request_id = ? AND state = 'pending'",
                (request_id,),
            ).fetchone()
            if row is not None:
                self._db.execute("UPDATE charges SET state = 'settled', resolved_at = ? WHERE request_id = ?",
                                 (int(time.time()), request_id))
                self._take(row[0], row[1], "debit", held=-row[2], request_id=request_id)
        return row is not None

    def _drop(self, request_id: str, states: tuple[str, ...]) -> bool:
        marks = ", ".join("?" for _ in states)
        with self._transaction():
            row = self._db.execute(
                f"SELECT account_id, reserved_nano FROM charges WHERE request_id = ? AND state IN ({marks})", (request_id, *states)
            ).fetchone()
            if row is not None:
                self._db.execute("UPDATE charges SET state = 'void', resolved_at = ? WHERE request_id = ?",
                                 (int(time.time()), request_id))
                self._entry(row[0], "release", held=-row[1], request_id=request_id)
        return row is not None

    async def release(self, request_id: str) -> bool:
        return self._drop(request_id, ("held",))

    async def void(self, request_id: str) -> bool:
        return self._drop(request_id, ("held", "pending"))

    async def void_pending(self) -> list[Charge]:
        open_ = [charge for charge in await self.charges() if charge.state in ("held", "pending")]
        for charge in open_:
            await self.void(charge.request_id)
        return open_

    async def charges(self, state: str | None = None) -> list[Charge]:
        query = f"SELECT {_CHARGE} FROM charges"
        rows = self._db.execute(f"{query} WHERE state = ? ORDER BY created_at, rowid" if state else f"{query} ORDER BY created_at, rowid",
                                (state,) if state else ())
        return [Charge(*row) for row in rows]

    async def ledger(self, account_id: str) -> list[LedgerEntry]:
        rows = self._db.execute(f"SELECT {_LEDGER} FROM ledger WHERE account_id = ? ORDER BY seq", (account_id,))
        return [LedgerEntry(*row) for row in rows]

    async def set_limits(self, account_id: str, *, rpm: int | None = None, tpm: int | None = None,
                   window: float | None = None) -> Account:
        for column, value in (("rpm", rpm), ("tpm", tpm), ("window_seconds", window)):
            if value is not None:
                self._db.execute(f"UPDATE accounts SET {column} = ? WHERE id = ?", (value, account_id))
        account = await self.get_account(account_id)
        if account is None:
            raise StoreError(f"no account {account_id}")
        return account

    async def add_key(self, account_id: str, digest: str, label: str = "", *, expires_at: int | None = None,
                      limit: int = MAX_KEYS_PER_ACCOUNT) -> ApiKey:
        key = ApiKey(f"key_{secrets.token_hex(8)}", account_id, digest, label, int(time.time()), None, expires_at)
        self._db.execute("BEGIN IMMEDIATE")  # the count and the insert together: two CLIs never make a 51st
        try:
            if self._db.execute("SELECT 1 FROM accounts WHERE id = ?", (account_id,)).fetchone() is None:
                raise StoreError(f"no account {account_id}")
            live = self._db.execute(
                "SELECT COUNT(*) FROM api_keys WHERE account_id = ? AND revoked_at IS NULL", (account_id,)
            ).fetchone()[0]
            if live >= limit:
                raise StoreError(f"account {account_id} already holds {limit} keys (revoke one first)")
            self._db.execute(
                "INSERT INTO api_keys (id, account_id, digest, label, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)",
                (key.id, key.account_id, key.digest, key.label, key.created_at, key.expires_at),
            )
            self._db.execute("COMMIT")
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        return key

    async def find_key(self, digest: str) -> ApiKey | None:
        row = self._db.execute(f"SELECT {_KEY} FROM api_keys WHERE digest = ?", (digest,)).fetchone()
        return ApiKey(*row) if row else None

    async def list_keys(self, account_id: str) -> list[ApiKey]:
        rows = self._db.execute(f"SELECT {_KEY} FROM api_keys WHERE account_id = ? ORDER BY created_at, rowid",
                                (account_id,))
        return [ApiKey(*row) for row in rows]

    async def revoke_key(self, key_id: str) -> ApiKey:
        cursor = self._db.execute(
            "UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL", (int(time.time()), key_id)
        )
        if cursor.rowcount != 1:
            raise StoreError(f"no live key {key_id}")
        return ApiKey(*self._db.execute(f"SELECT {_KEY} FROM api_keys WHERE id = ?", (key_id,)).fetchone())
