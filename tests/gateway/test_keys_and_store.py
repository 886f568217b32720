from pathlib import Path

import pytest

from gateway.security import KEY_PREFIX, digest, new_key, same_digest
from gateway.store.sqlite import MAX_KEYS_PER_ACCOUNT, SqliteStore, StoreError
from tests.blocking import blocking


def test_keys_are_prefixed_and_random() -> None:
    a, b = new_key(), new_key()
    assert a.startswith(KEY_PREFIX) and b.startswith(KEY_PREFIX) and a != b
    assert len(a) - len(KEY_PREFIX) >= 43


def test_digest_depends_on_pepper_and_compares_in_constant_time() -> None:
    key = new_key()
    assert digest(key, b"one") != digest(key, b"two")
    assert same_digest(digest(key, b"one"), digest(key, b"one"))
    assert not same_digest(digest(key, b"one"), digest(key, b"two"))


def test_store_keeps_digests_not_keys(tmp_path: Path) -> None:
    store = blocking(SqliteStore(tmp_path / "s.db"))
    account = store.create_account("acme", 5_000_000_000)
    key = new_key()
    record = store.add_key(account.id, digest(key, store.pepper()), "prod")
    raw = (tmp_path / "s.db").read_bytes() + (tmp_path / "s.db-wal").read_bytes()
    assert key.encode() not in raw
    assert store.find_key(digest(key, store.pepper())) == record
    assert store.top_up(account.id, 1).balance_nano == 5_000_000_001
    assert store.revoke_key(record.id).revoked_at is not None
    with pytest.raises(StoreError):
        store.revoke_key(record.id)


def test_pepper_survives_reopening(tmp_path: Path) -> None:
    first = blocking(SqliteStore(tmp_path / "s.db")).pepper()
    assert blocking(SqliteStore(tmp_path / "s.db")).pepper() == first
    assert blocking(SqliteStore(tmp_path / "s.db", pepper="configured")).pepper() == b"configured"


def test_fifty_live_keys_per_account(tmp_path: Path) -> None:
    store = blocking(SqliteStore(tmp_path / "s.db"))
    account = store.create_account("acme")
    keys = [store.add_key(account.id, f"d{i}") for i in range(MAX_KEYS_PER_ACCOUNT)]
    with pytest.raises(StoreError):
        store.add_key(account.id, "one-too-many")
    store.revoke_key(keys[0].id)
    store.add_key(account.id, "replacement")
