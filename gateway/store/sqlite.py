"""The embedded SQLite account store (WAL mode, so the admin CLI can write while the gateway serves). Writes are
group-committed (:class:`~gateway.store.sqlite_writer.Writer`, D-207): the writes of one event-loop turn share a
transaction; each call's checks and writes are one atomic step against every process on the file."""

from __future__ import annotations

import secrets
import sqlite3
import time
from pathlib import Path

from gateway.store import MAX_KEYS_PER_ACCOUNT, Account, ApiKey, Charge, LedgerEntry, StoreError
from gateway.store.sqlite_writer import Writer

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
_ACCOUNT = "id, name, balance_nano, created_at, rpm, tpm, window_seconds"

_CHARGE = "request_id, account_id, amount_nano, state, created_at, resolved_at, reserved_nano"
_LEDGER = "seq, account_id, kind, balance_nano, held_nano, request_id, created_at"
_HELD = "SELECT COALESCE(SUM(reserved_nano), 0) FROM charges WHERE account_id = ? AND state IN ('held', 'pending')"
"""What an account's open charges keep from its balance (D-180)."""


class SqliteStore:
    def __init__(self, path: Path | str, *, pepper: str = "") -> None:
        self._writer = Writer(path)
        db = self._writer.db
        db.executescript(_SCHEMA)
        _migrate(db)
        self._pepper = pepper.encode() if pepper else _stored_pepper(db)

    def pepper(self) -> bytes:
        return self._pepper

    async def close(self) -> None:
        self._writer.close()

    async def create_account(self, name: str, balance_nano: int = 0) -> Account:
        account = Account(f"acct_{secrets.token_hex(8)}", name, balance_nano, int(time.time()))

        def create(db: sqlite3.Connection) -> Account:
            db.execute("INSERT INTO accounts (id, name, balance_nano, created_at) VALUES (?, ?, ?, ?)",
                       (account.id, account.name, account.balance_nano, account.created_at))
            if balance_nano:
                _entry(db, account.id, "top_up", balance=balance_nano)
            return account

        return await self._writer.run(create)

    async def get_account(self, account_id: str) -> Account | None:
        return await self._writer.run(lambda db: _account(db, account_id), writes=False)

    async def list_accounts(self) -> list[Account]:
        return await self._writer.run(lambda db: [Account(*row) for row in db.execute(
            f"SELECT {_ACCOUNT} FROM accounts ORDER BY created_at")], writes=False)

    async def top_up(self, account_id: str, amount_nano: int) -> Account:
        def top_up(db: sqlite3.Connection) -> Account:
            cursor = db.execute("UPDATE accounts SET balance_nano = balance_nano + ? WHERE id = ?", (amount_nano, account_id))
            if cursor.rowcount != 1:
                raise StoreError(f"no account {account_id}")
            _entry(db, account_id, "top_up", balance=amount_nano)
            return _found(db, account_id)

        return await self._writer.run(top_up)

    async def debit(self, account_id: str, amount_nano: int) -> None:
        await self._writer.run(lambda db: _take(db, account_id, amount_nano, "debit"))

    async def held(self, account_id: str) -> int:
        return await self._writer.run(lambda db: int(db.execute(_HELD, (account_id,)).fetchone()[0]), writes=False)

    async def reserve(self, request_id: str, account_id: str, amount_nano: int) -> bool:
        def reserve(db: sqlite3.Connection) -> bool:
            existing = db.execute("SELECT state FROM charges WHERE request_id = ?", (request_id,)).fetchone()
            if existing is not None:
                return bool(existing[0] in ("held", "pending"))
            row = db.execute("SELECT balance_nano FROM accounts WHERE id = ?", (account_id,)).fetchone()
            available = (row[0] if row else 0) - int(db.execute(_HELD, (account_id,)).fetchone()[0])
            if available <= 0 or available < amount_nano:
                return False
            db.execute("INSERT INTO charges (request_id, account_id, amount_nano, state, created_at, reserved_nano) "
                       "VALUES (?, ?, 0, 'held', ?, ?)", (request_id, account_id, int(time.time()), amount_nano))
            _entry(db, account_id, "hold", held=amount_nano, request_id=request_id)
            return True

        return await self._writer.run(reserve)

    async def hold(self, request_id: str, account_id: str, amount_nano: int) -> None:
        def hold(db: sqlite3.Connection) -> None:
            existing = db.execute("SELECT state FROM charges WHERE request_id = ?", (request_id,)).fetchone()
            if existing is None:
                db.execute("INSERT INTO charges (request_id, account_id, amount_nano, created_at, reserved_nano) "
                           "VALUES (?, ?, ?, ?, ?)", (request_id, account_id, amount_nano, int(time.time()), amount_nano))
                _entry(db, account_id, "hold", held=amount_nano, request_id=request_id)
            elif existing[0] == "held":  # the reservation becomes the charge, at the actual amount (D-180)
                db.execute("UPDATE charges SET state = 'pending', amount_nano = ? WHERE request_id = ?",
                           (amount_nano, request_id))

        await self._writer.run(hold)

    async def settle(self, request_id: str) -> bool:
        def settle(db: sqlite3.Connection) -> bool:
            row = db.execute("SELECT account_id, amount_nano, reserved_nano FROM charges "
                             "WHERE request_id = ? AND state = 'pending'", (request_id,)).fetchone()
            if row is None:
                return False
            db.execute("UPDATE charges SET state = 'settled', resolved_at = ? WHERE request_id = ?",
                       (int(time.time()), request_id))
            _take(db, row[0], row[1], "debit", held=-row[2], request_id=request_id)
            return True

        return await self._writer.run(settle)

    async def release(self, request_id: str) -> bool:
        return await self._writer.run(lambda db: _drop(db, request_id, ("held",)))

    async def void(self, request_id: str) -> bool:
        return await self._writer.run(lambda db: _drop(db, request_id, ("held", "pending")))

    async def void_pending(self) -> list[Charge]:
        def void_all(db: sqlite3.Connection) -> list[Charge]:
            open_ = [Charge(*row) for row in db.execute(
                f"SELECT {_CHARGE} FROM charges WHERE state IN ('held', 'pending') ORDER BY created_at, rowid")]
            for charge in open_:
                _drop(db, charge.request_id, ("held", "pending"))
            return open_

        return await self._writer.run(void_all)

    async def charges(self, state: str | None = None) -> list[Charge]:
        query = f"SELECT {_CHARGE} FROM charges"
        sql, args = (f"{query} WHERE state = ? ORDER BY created_at, rowid", (state,)) if state \
            else (f"{query} ORDER BY created_at, rowid", ())
        return await self._writer.run(lambda db: [Charge(*row) for row in db.execute(sql, args)], writes=False)

    async def ledger(self, account_id: str) -> list[LedgerEntry]:
        sql = f"SELECT {_LEDGER} FROM ledger WHERE account_id = ? ORDER BY seq"
        return await self._writer.run(lambda db: [LedgerEntry(*row) for row in db.execute(sql, (account_id,))],
                                      writes=False)

    async def set_limits(self, account_id: str, *, rpm: int | None = None, tpm: int | None = None,
                   window: float | None = None) -> Account:
        def set_limits(db: sqlite3.Connection) -> Account:
            for column, value in (("rpm", rpm), ("tpm", tpm), ("window_seconds", window)):
                if value is not None:
                    db.execute(f"UPDATE accounts SET {column} = ? WHERE id = ?", (value, account_id))
            return _found(db, account_id)

        return await self._writer.run(set_limits)

    async def add_key(self, account_id: str, digest: str, label: str = "", *, expires_at: int | None = None,
                      limit: int = MAX_KEYS_PER_ACCOUNT) -> ApiKey:
        key = ApiKey(f"key_{secrets.token_hex(8)}", account_id, digest, label, int(time.time()), None, expires_at)

        def add(db: sqlite3.Connection) -> ApiKey:  # the count and the insert together: two CLIs never make a 51st
            if db.execute("SELECT 1 FROM accounts WHERE id = ?", (account_id,)).fetchone() is None:
                raise StoreError(f"no account {account_id}")
            live = db.execute("SELECT COUNT(*) FROM api_keys WHERE account_id = ? AND revoked_at IS NULL",
                              (account_id,)).fetchone()[0]
            if live >= limit:
                raise StoreError(f"account {account_id} already holds {limit} keys (revoke one first)")
            db.execute("INSERT INTO api_keys (id, account_id, digest, label, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)",
                       (key.id, key.account_id, key.digest, key.label, key.created_at, key.expires_at))
            return key

        return await self._writer.run(add)

    async def find_key(self, digest: str) -> ApiKey | None:
        def find(db: sqlite3.Connection) -> ApiKey | None:
            row = db.execute(f"SELECT {_KEY} FROM api_keys WHERE digest = ?", (digest,)).fetchone()
            return ApiKey(*row) if row else None

        return await self._writer.run(find, writes=False)

    async def list_keys(self, account_id: str) -> list[ApiKey]:
        sql = f"SELECT {_KEY} FROM api_keys WHERE account_id = ? ORDER BY created_at, rowid"
        return await self._writer.run(lambda db: [ApiKey(*row) for row in db.execute(sql, (account_id,))],
                                      writes=False)

    async def revoke_key(self, key_id: str) -> ApiKey:
        def revoke(db: sqlite3.Connection) -> ApiKey:
            cursor = db.execute("UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL",
                                (int(time.time()), key_id))
            if cursor.rowcount != 1:
                raise StoreError(f"no live key {key_id}")
            return ApiKey(*db.execute(f"SELECT {_KEY} FROM api_keys WHERE id = ?", (key_id,)).fetchone())

        return await self._writer.run(revoke)


def _migrate(db: sqlite3.Connection) -> None:
    """Columns added after a store was first created (D-142: the window per account; D-200: key expiry)."""
    if "window_seconds" not in {row[1] for row in db.execute("PRAGMA table_info(accounts)")}:
        db.execute("ALTER TABLE accounts ADD COLUMN window_seconds REAL NOT NULL DEFAULT 60")
    if "expires_at" not in {row[1] for row in db.execute("PRAGMA table_info(api_keys)")}:
        db.execute("ALTER TABLE api_keys ADD COLUMN expires_at INTEGER")
    if "reserved_nano" not in {row[1] for row in db.execute("PRAGMA table_info(charges)")}:
        db.execute("ALTER TABLE charges ADD COLUMN reserved_nano INTEGER NOT NULL DEFAULT 0")
    db.execute(  # D-182: an account from before the ledger opens it with its balance
        "INSERT INTO ledger (account_id, kind, balance_nano, held_nano, request_id, created_at) "
        "SELECT id, 'opening', balance_nano, 0, NULL, created_at FROM accounts a "
        "WHERE balance_nano != 0 AND NOT EXISTS (SELECT 1 FROM ledger l WHERE l.account_id = a.id)"
    )


def _stored_pepper(db: sqlite3.Connection) -> bytes:
    db.execute("INSERT OR IGNORE INTO meta (key, value) VALUES ('key_pepper', ?)", (secrets.token_hex(32),))
    return bytes.fromhex(db.execute("SELECT value FROM meta WHERE key = 'key_pepper'").fetchone()[0])


def _account(db: sqlite3.Connection, account_id: str) -> Account | None:
    row = db.execute(f"SELECT {_ACCOUNT} FROM accounts WHERE id = ?", (account_id,)).fetchone()
    return Account(*row) if row else None


def _found(db: sqlite3.Connection, account_id: str) -> Account:
    account = _account(db, account_id)
    if account is None:
        raise StoreError(f"no account {account_id}")
    return account


def _entry(db: sqlite3.Connection, account_id: str, kind: str, *, balance: int = 0, held: int = 0,
           request_id: str | None = None) -> None:
    db.execute("INSERT INTO ledger (account_id, kind, balance_nano, held_nano, request_id, created_at) "
               "VALUES (?, ?, ?, ?, ?, ?)", (account_id, kind, balance, held, request_id, int(time.time())))


def _take(db: sqlite3.Connection, account_id: str, amount_nano: int, kind: str, *, held: int = 0,
          request_id: str | None = None) -> int:
    """Debit up to the balance (never below zero, D-181), with its ledger entry; what was taken."""
    row = db.execute("SELECT balance_nano FROM accounts WHERE id = ?", (account_id,)).fetchone()
    taken = max(min(amount_nano, row[0] if row else 0), 0)
    db.execute("UPDATE accounts SET balance_nano = balance_nano - ? WHERE id = ?", (taken, account_id))
    _entry(db, account_id, kind, balance=-taken, held=held, request_id=request_id)
    return taken


def _drop(db: sqlite3.Connection, request_id: str, states: tuple[str, ...]) -> bool:
    marks = ", ".join("?" for _ in states)
    row = db.execute(f"SELECT account_id, reserved_nano FROM charges WHERE request_id = ? AND state IN ({marks})",
                     (request_id, *states)).fetchone()
    if row is None:
        return False
    db.execute("UPDATE charges SET state = 'void', resolved_at = ? WHERE request_id = ?", (int(time.time()), request_id))
    _entry(db, row[0], "release", held=-row[1], request_id=request_id)
    return True
