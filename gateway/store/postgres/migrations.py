"""The PostgreSQL schema as an ordered list of migrations, each applied once (D-168).

:func:`migrate` takes a transaction-scoped advisory lock, so instances starting together apply each
migration once, in order: the first migrates, the others wait for its commit and find nothing left to do.
``schema_migrations`` records what was applied; a migration is never edited once released, only followed.
"""

from __future__ import annotations

import asyncpg
from asyncpg.pool import PoolConnectionProxy

__all__ = ["MIGRATIONS", "MIGRATION_LOCK", "migrate"]

MIGRATION_LOCK = 0x656D_7069_7269_6F01
"""The advisory lock key (bigint) every instance takes before migrating."""

_V1 = """
CREATE TABLE meta (key text PRIMARY KEY, value text NOT NULL);
CREATE TABLE accounts (
    id text PRIMARY KEY,
    name text NOT NULL,
    balance_nano bigint NOT NULL DEFAULT 0,
    created_at bigint NOT NULL,
    rpm bigint NOT NULL DEFAULT 50,
    tpm bigint NOT NULL DEFAULT 2000000,
    window_seconds double precision NOT NULL DEFAULT 60,
    seq bigint GENERATED ALWAYS AS IDENTITY
);
CREATE TABLE api_keys (
    id text PRIMARY KEY,
    account_id text NOT NULL REFERENCES accounts(id),
    digest text NOT NULL UNIQUE,
    label text NOT NULL DEFAULT '',
    created_at bigint NOT NULL,
    revoked_at bigint,
    seq bigint GENERATED ALWAYS AS IDENTITY
);
CREATE INDEX api_keys_account ON api_keys (account_id);
CREATE TABLE charges (
    request_id text PRIMARY KEY,
    account_id text NOT NULL REFERENCES accounts(id),
    amount_nano bigint NOT NULL,
    state text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'settled', 'void')),
    created_at bigint NOT NULL,
    resolved_at bigint,
    holder integer NOT NULL DEFAULT 0,
    seq bigint GENERATED ALWAYS AS IDENTITY
);
CREATE INDEX charges_pending ON charges (state) WHERE state = 'pending';
CREATE TABLE jobs (
    id text PRIMARY KEY,
    account_id text NOT NULL,
    type text NOT NULL,
    model text NOT NULL,
    status text NOT NULL,
    created_at bigint NOT NULL,
    started_at bigint,
    completed_at bigint,
    expires_at bigint,
    progress double precision,
    result json,
    error json,
    params json NOT NULL,
    upstream_ref text
);
CREATE INDEX jobs_status ON jobs (status);
CREATE INDEX jobs_expiry ON jobs (expires_at);
CREATE TABLE responses (
    id text PRIMARY KEY,
    account_id text NOT NULL,
    response json NOT NULL,
    input_items json NOT NULL,
    context json NOT NULL,
    created_at bigint NOT NULL,
    expires_at bigint NOT NULL
);
CREATE INDEX responses_expiry ON responses (expires_at);
CREATE TABLE response_items (
    item_id text NOT NULL,
    account_id text NOT NULL,
    response_id text NOT NULL REFERENCES responses(id) ON DELETE CASCADE,
    item json NOT NULL,
    PRIMARY KEY (account_id, item_id, response_id)
);
CREATE INDEX response_items_response ON response_items (response_id);
CREATE TABLE files (
    id text PRIMARY KEY,
    account_id text NOT NULL,
    path text NOT NULL UNIQUE,
    filename text NOT NULL,
    content_type text NOT NULL,
    bytes bigint NOT NULL,
    purpose text,
    created_at bigint NOT NULL,
    expires_at bigint NOT NULL,
    data bytea NOT NULL
);
CREATE INDEX files_expiry ON files (expires_at);
CREATE TABLE media (
    id text PRIMARY KEY,
    account_id text NOT NULL,
    filename text NOT NULL,
    content_type text NOT NULL,
    bytes bigint NOT NULL,
    created_at bigint NOT NULL,
    expires_at bigint NOT NULL,
    data bytea NOT NULL
);
CREATE INDEX media_expiry ON media (expires_at);
"""

_V3_KEYS_AND_USAGE = """
ALTER TABLE api_keys ADD COLUMN expires_at bigint;
CREATE TABLE usage_entries (
    seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    request_id text NOT NULL UNIQUE,
    account_id text NOT NULL,
    key_id text NOT NULL,
    model text,
    endpoint text NOT NULL,
    method text NOT NULL,
    status integer NOT NULL,
    input_tokens bigint NOT NULL DEFAULT 0,
    output_tokens bigint NOT NULL DEFAULT 0,
    reasoning_tokens bigint NOT NULL DEFAULT 0,
    cached_tokens bigint NOT NULL DEFAULT 0,
    units json NOT NULL,
    cost_nano bigint NOT NULL DEFAULT 0,
    latency_ms double precision NOT NULL,
    created_at double precision NOT NULL
);
CREATE INDEX usage_entries_account ON usage_entries (account_id, seq);
"""
"""Key expiry (D-200) and the usage log (D-203). Version 2 is left to the balances' migration (issue 12, its other
part), whichever lands first; the versions only need to be distinct."""

_V2_BALANCES = """
ALTER TABLE charges ADD COLUMN reserved_nano bigint NOT NULL DEFAULT 0;
ALTER TABLE charges DROP CONSTRAINT charges_state_check;
ALTER TABLE charges ADD CONSTRAINT charges_state_check CHECK (state IN ('held', 'pending', 'settled', 'void'));
DROP INDEX charges_pending;
CREATE INDEX charges_open ON charges (account_id) WHERE state IN ('held', 'pending');
CREATE TABLE ledger (
    seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account_id text NOT NULL REFERENCES accounts(id),
    kind text NOT NULL,
    balance_nano bigint NOT NULL DEFAULT 0,
    held_nano bigint NOT NULL DEFAULT 0,
    request_id text,
    created_at bigint NOT NULL
);
CREATE INDEX ledger_account ON ledger (account_id, seq);
INSERT INTO ledger (account_id, kind, balance_nano, created_at)
    SELECT id, 'opening', balance_nano, created_at FROM accounts WHERE balance_nano != 0 ORDER BY seq;
"""
"""Holds and the ledger (issue 12, D-180..D-183): a charge's reserved estimate, the ``held`` state, and the ledger,
opened for every existing account with its balance. Version 2, appended after 3 (the number was left for it)."""

MIGRATIONS: tuple[tuple[int, str], ...] = ((1, _V1), (3, _V3_KEYS_AND_USAGE), (2, _V2_BALANCES))
"""``(version, SQL)`` in the order they apply; append only."""


async def migrate(connection: asyncpg.Connection | PoolConnectionProxy) -> list[int]:
    """Apply the migrations ``schema_migrations`` lacks, in one transaction; the versions applied."""
    async with connection.transaction():
        await connection.execute("SELECT pg_advisory_xact_lock($1)", MIGRATION_LOCK)
        await connection.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations "
            "(version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())")
        done = {row["version"] for row in await connection.fetch("SELECT version FROM schema_migrations")}
        applied = []
        for version, sql in MIGRATIONS:
            if version in done:
                continue
            await connection.execute(sql)
            await connection.execute("INSERT INTO schema_migrations (version) VALUES ($1)", version)
            applied.append(version)
        return applied
