"""The limit headers' values (D-140, D-141) and the per-account window in the store (D-142)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from gateway.limits.base import Budget, Refused, Usage
from gateway.middleware.limits import duration, headers, refusal
from gateway.store.sqlite import SqliteStore
from tests.blocking import blocking


@pytest.mark.parametrize(("seconds", "text"), [
    (0, "0ms"), (0.0004, "1ms"), (0.85, "850ms"), (3, "3s"), (2.5, "2.5s"), (59.9991, "1m0s"), (61.25, "1m1.25s"),
])
def test_durations_round_up_to_the_millisecond(seconds: float, text: str) -> None:
    assert duration(seconds) == text


def _usage() -> Usage:
    return Usage(Budget(6, 20_000, 3.0), 2, 19_000, 2.9, 1.2)


def test_headers_and_the_anthropic_set_on_messages_only() -> None:
    plain = headers(_usage(), "/v1/chat/completions")
    assert plain["x-ratelimit-remaining-requests"] == "2" and plain["x-ratelimit-reset-tokens"] == "1.2s"
    assert not any(k.startswith("anthropic-") for k in plain)
    messages = headers(_usage(), "/v1/messages")
    assert messages["anthropic-ratelimit-tokens-remaining"] == "19000"
    assert messages["anthropic-ratelimit-requests-reset"].endswith("Z")


def test_a_refusal_rounds_retry_after_up() -> None:
    error = refusal(Refused("requests", 0.2, _usage()), "/v1/messages")
    assert (error.status, error.headers["retry-after"], error.headers["retry-after-ms"]) == (429, "1", "200")
    assert error.headers["anthropic-ratelimit-requests-limit"] == "6"
    assert refusal(Refused("tokens", 2.0001, _usage()), "/v1/responses").headers["retry-after"] == "3"


def test_the_window_is_stored_per_account_and_added_to_an_old_store(tmp_path: Path) -> None:
    db = tmp_path / "old.db"
    old = sqlite3.connect(db)
    old.execute("CREATE TABLE accounts (id TEXT PRIMARY KEY, name TEXT NOT NULL, balance_nano INTEGER NOT NULL "
                "DEFAULT 0, created_at INTEGER NOT NULL, rpm INTEGER NOT NULL DEFAULT 50, tpm INTEGER NOT NULL "
                "DEFAULT 2000000)")
    old.execute("INSERT INTO accounts (id, name, created_at) VALUES ('acct_old', 'old', 0)")
    old.commit()
    old.close()
    store = blocking(SqliteStore(db))
    try:
        account = store.get_account("acct_old")
        assert account is not None and (account.rpm, account.tpm, account.window) == (50, 2_000_000, 60.0)
        assert store.set_limits("acct_old", window=3.0).window == 3.0
    finally:
        store.close()
