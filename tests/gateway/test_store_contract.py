"""One behaviour, two backends: every method of the six stores (key expiry and the usage log too, D-200, D-203) on the embedded SQLite file and on PostgreSQL
(a fresh database per test on the session's private server), then what only a shared PostgreSQL must add:
two instances see each other's writes, concurrent settlements debit once, concurrent debits lose nothing
and never go below zero, the key limit holds under a race, concurrent start-ups migrate once, and start-up
voids only the pending charges of instances no longer running (D-168..D-172)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import asyncpg
import pytest

from gateway.store import Account
from gateway.store.backend import Stores
from gateway.store.files import StoredFile
from gateway.store.jobs import JobRecord
from gateway.store.media import MediaObject
from gateway.store.postgres import postgres_stores
from gateway.store.postgres.migrations import MIGRATIONS
from gateway.store.responses import StoredResponse
from gateway.store.sqlite import MAX_KEYS_PER_ACCOUNT, StoreError
from gateway.store.usage import UsageEntry
from gateway.usage import UsageLog

pytestmark = pytest.mark.anyio

Factory = Callable[..., Stores]
NOW = 1_800_000_000


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def _sqlite_factory(path: Path) -> Factory:
    def make(pepper: str = "") -> Stores:
        from gateway.store.sqlite import SqliteStore
        from gateway.store.sqlite_files import SqliteFileStore
        from gateway.store.sqlite_jobs import SqliteJobStore
        from gateway.store.sqlite_media import SqliteMediaStore
        from gateway.store.sqlite_responses import SqliteResponseStore
        from gateway.store.sqlite_usage import SqliteUsageStore

        parts = (SqliteStore(path, pepper=pepper), SqliteResponseStore(path), SqliteFileStore(path),
                 SqliteJobStore(path), SqliteMediaStore(path), SqliteUsageStore(path))

        async def close() -> None:
            for store in parts:
                await store.close()

        return Stores(*parts, closer=close)
    return make


@pytest.fixture(params=["sqlite", "postgres"])
def make_stores(request: pytest.FixtureRequest, tmp_path: Path) -> Factory:
    """Builds (unopened) stores of one backend, all on the same database: each call is another instance."""
    if request.param == "sqlite":
        return _sqlite_factory(tmp_path / "store.db")
    url = request.getfixturevalue("postgres_database")
    return lambda pepper="": postgres_stores(url, pepper=pepper)


@pytest.fixture
def postgres_factory(postgres_database: str) -> Factory:
    return lambda pepper="": postgres_stores(postgres_database, pepper=pepper)


@pytest.fixture
async def stores(make_stores: Factory) -> AsyncIterator[Stores]:
    opened = make_stores()
    await opened.open()
    yield opened
    await opened.close()


async def _opened(make: Factory, count: int = 2) -> list[Stores]:
    instances = [make() for _ in range(count)]
    await asyncio.gather(*(s.open() for s in instances))
    return instances


async def _closed(instances: list[Stores]) -> None:
    for instance in instances:
        await instance.close()


async def _balance(stores: Stores, account: Account) -> int:
    current = await stores.accounts.get_account(account.id)
    assert current is not None
    return current.balance_nano


# accounts, limits, pepper

async def test_accounts_are_created_listed_and_topped_up(stores: Stores) -> None:
    accounts = stores.accounts
    first = await accounts.create_account("acme", 5_000)
    second = await accounts.create_account("globex")
    assert first.id.startswith("acct_") and first.id != second.id
    assert await accounts.get_account(first.id) == first
    assert await accounts.get_account("acct_missing") is None
    assert [a.id for a in await accounts.list_accounts()] == [first.id, second.id]
    assert (first.rpm, first.tpm, first.window) == (50, 2_000_000, 60.0)
    assert (await accounts.top_up(first.id, 1)).balance_nano == 5_001
    with pytest.raises(StoreError):
        await accounts.top_up("acct_missing", 1)


async def test_debit_never_takes_the_balance_below_zero(stores: Stores) -> None:
    account = await stores.accounts.create_account("acme", 100)
    await stores.accounts.debit(account.id, 30)
    assert await _balance(stores, account) == 70
    await stores.accounts.debit(account.id, 1_000)
    assert await _balance(stores, account) == 0


async def test_limits_are_set_one_at_a_time(stores: Stores) -> None:
    account = await stores.accounts.create_account("acme")
    changed = await stores.accounts.set_limits(account.id, rpm=7)
    assert (changed.rpm, changed.tpm, changed.window) == (7, 2_000_000, 60.0)
    changed = await stores.accounts.set_limits(account.id, tpm=9_000_000_000, window=1.5)
    assert (changed.rpm, changed.tpm, changed.window) == (7, 9_000_000_000, 1.5)
    assert await stores.accounts.get_account(account.id) == changed
    with pytest.raises(StoreError):
        await stores.accounts.set_limits("acct_missing", rpm=1)


async def test_pepper_is_configured_or_stored_once(make_stores: Factory) -> None:
    first, second = await _opened(make_stores)
    configured = make_stores("configured")
    await configured.open()
    try:
        assert len(first.accounts.pepper()) == 32 and first.accounts.pepper() == second.accounts.pepper()
        assert configured.accounts.pepper() == b"configured"
    finally:
        await _closed([first, second, configured])
    again = make_stores()
    await again.open()
    assert again.accounts.pepper() == first.accounts.pepper()
    await again.close()


# keys

async def test_keys_are_added_found_listed_and_revoked(stores: Stores) -> None:
    accounts = stores.accounts
    account = await accounts.create_account("acme")
    key = await accounts.add_key(account.id, "digest-1", "prod")
    other = await accounts.add_key(account.id, "digest-2")
    assert key.id.startswith("key_") and (key.account_id, key.label, key.revoked_at) == (account.id, "prod", None)
    assert await accounts.find_key("digest-1") == key
    assert await accounts.find_key("digest-unknown") is None
    assert await accounts.list_keys(account.id) == [key, other]
    revoked = await accounts.revoke_key(key.id)
    assert revoked.revoked_at is not None and revoked.id == key.id
    assert await accounts.find_key("digest-1") == revoked
    with pytest.raises(StoreError):
        await accounts.revoke_key(key.id)
    with pytest.raises(StoreError):
        await accounts.revoke_key("key_missing")
    with pytest.raises(StoreError):
        await accounts.add_key("acct_missing", "digest-3")


async def test_an_account_holds_at_most_the_key_limit(stores: Stores) -> None:
    account = await stores.accounts.create_account("acme")
    keys = [await stores.accounts.add_key(account.id, f"d{i}") for i in range(MAX_KEYS_PER_ACCOUNT)]
    with pytest.raises(StoreError):
        await stores.accounts.add_key(account.id, "one-too-many")
    await stores.accounts.revoke_key(keys[0].id)
    await stores.accounts.add_key(account.id, "after-a-revocation")


# the charge journal

async def test_hold_then_settle_debits_once(stores: Stores) -> None:
    accounts = stores.accounts
    account = await accounts.create_account("acme", 1_000)
    await accounts.hold("req_1", account.id, 300)
    await accounts.hold("req_1", account.id, 999)
    assert [(c.request_id, c.amount_nano, c.state, c.resolved_at) for c in await accounts.charges()] == [
        ("req_1", 300, "pending", None)]
    assert await _balance(stores, account) == 1_000
    assert await accounts.settle("req_1") is True
    assert await accounts.settle("req_1") is False
    assert await accounts.void("req_1") is False
    assert await _balance(stores, account) == 700
    (charge,) = await accounts.charges("settled")
    assert charge.state == "settled" and charge.resolved_at is not None
    assert await accounts.settle("req_unknown") is False


async def test_settle_never_takes_the_balance_below_zero(stores: Stores) -> None:
    account = await stores.accounts.create_account("acme", 100)
    await stores.accounts.hold("req_1", account.id, 500)
    assert await stores.accounts.settle("req_1") is True
    assert await _balance(stores, account) == 0


async def test_void_drops_a_charge_without_debiting(stores: Stores) -> None:
    accounts = stores.accounts
    account = await accounts.create_account("acme", 1_000)
    await accounts.hold("req_1", account.id, 300)
    assert await accounts.void("req_1") is True
    assert await accounts.void("req_1") is False
    assert await accounts.settle("req_1") is False
    assert await _balance(stores, account) == 1_000
    assert [c.state for c in await accounts.charges("void")] == ["void"]
    assert await accounts.void("req_unknown") is False


async def test_charges_are_listed_oldest_first_and_by_state(stores: Stores) -> None:
    accounts = stores.accounts
    account = await accounts.create_account("acme", 1_000)
    for n in range(1, 5):
        await accounts.hold(f"req_{n}", account.id, n)
    await accounts.settle("req_1")
    await accounts.void("req_2")
    assert [c.request_id for c in await accounts.charges()] == ["req_1", "req_2", "req_3", "req_4"]
    assert [c.request_id for c in await accounts.charges("pending")] == ["req_3", "req_4"]
    assert [c.request_id for c in await accounts.charges("settled")] == ["req_1"]


async def test_void_pending_voids_what_a_stopped_gateway_left(make_stores: Factory) -> None:
    crashed = make_stores()
    await crashed.open()
    account = await crashed.accounts.create_account("acme", 1_000)
    for n in range(1, 5):
        await crashed.accounts.hold(f"req_{n}", account.id, 10)
    await crashed.accounts.settle("req_1")
    await crashed.accounts.void("req_2")
    await crashed.close()
    restarted = make_stores()
    await restarted.open()
    try:
        voided = await restarted.accounts.void_pending()
        assert [(c.request_id, c.state) for c in voided] == [("req_3", "pending"), ("req_4", "pending")]
        assert await restarted.accounts.charges("pending") == []
        assert [c.request_id for c in await restarted.accounts.charges("void")] == ["req_2", "req_3", "req_4"]
        assert await _balance(restarted, account) == 990
        assert await restarted.accounts.void_pending() == []
    finally:
        await restarted.close()



# holds and the ledger (D-180..D-183)

async def _sums_to_balance(stores: Stores, account: Account) -> None:
    """The ledger invariant (D-182): the entries sum to the balance and to what is held."""
    entries = await stores.accounts.ledger(account.id)
    assert sum(entry.balance_nano for entry in entries) == await _balance(stores, account)
    assert sum(entry.held_nano for entry in entries) == await stores.accounts.held(account.id)


async def test_reserve_holds_only_what_the_available_balance_covers(stores: Stores) -> None:
    account = await stores.accounts.create_account("acme", 100)
    assert await stores.accounts.reserve("req_1", account.id, 60) is True
    assert await stores.accounts.reserve("req_2", account.id, 50) is False
    assert await stores.accounts.reserve("req_3", account.id, 40) is True
    assert await stores.accounts.held(account.id) == 100
    assert await stores.accounts.reserve("req_4", account.id, 0) is False  # nothing left: not even a zero estimate
    assert await stores.accounts.reserve("req_1", account.id, 60) is True  # the same request: still held
    assert await _balance(stores, account) == 100
    await _sums_to_balance(stores, account)


async def test_a_hold_settles_at_the_actual_amount_and_releases_the_rest(stores: Stores) -> None:
    account = await stores.accounts.create_account("acme", 100)
    assert await stores.accounts.reserve("req_1", account.id, 60)
    await stores.accounts.hold("req_1", account.id, 25)
    assert await stores.accounts.held(account.id) == 60  # pending: still kept until debited
    assert await stores.accounts.settle("req_1") is True
    assert await _balance(stores, account) == 75
    assert await stores.accounts.held(account.id) == 0
    [charge] = await stores.accounts.charges("settled")
    assert (charge.amount_nano, charge.reserved_nano) == (25, 60)
    await _sums_to_balance(stores, account)


async def test_a_release_frees_the_hold_without_debiting(stores: Stores) -> None:
    account = await stores.accounts.create_account("acme", 100)
    assert await stores.accounts.reserve("req_1", account.id, 100)
    assert await stores.accounts.release("req_1") is True
    assert await stores.accounts.release("req_1") is False
    assert await stores.accounts.held(account.id) == 0
    assert await stores.accounts.reserve("req_2", account.id, 100)
    assert await _balance(stores, account) == 100
    await _sums_to_balance(stores, account)


async def test_a_settlement_above_the_balance_stops_at_zero_and_the_ledger_says_so(stores: Stores) -> None:
    account = await stores.accounts.create_account("acme", 100)
    assert await stores.accounts.reserve("req_1", account.id, 50)
    await stores.accounts.hold("req_1", account.id, 500)
    await stores.accounts.settle("req_1")
    await stores.accounts.debit(account.id, 7)
    await stores.accounts.top_up(account.id, 30)
    await stores.accounts.debit(account.id, 10)
    assert await _balance(stores, account) == 20
    kinds = [entry.kind for entry in await stores.accounts.ledger(account.id)]
    assert kinds == ["top_up", "hold", "debit", "debit", "top_up", "debit"]
    await _sums_to_balance(stores, account)


async def test_start_up_releases_what_a_crash_left_held(make_stores: Factory) -> None:
    crashed = make_stores()
    await crashed.open()
    account = await crashed.accounts.create_account("acme", 1_000)
    assert await crashed.accounts.reserve("req_held", account.id, 300)
    assert await crashed.accounts.reserve("req_pending", account.id, 300)
    await crashed.accounts.hold("req_pending", account.id, 200)
    await crashed.close()
    restarted = make_stores()
    await restarted.open()
    try:
        voided = await restarted.accounts.void_pending()
        assert sorted((c.request_id, c.state) for c in voided) == [("req_held", "held"), ("req_pending", "pending")]
        assert await restarted.accounts.held(account.id) == 0
        assert await _balance(restarted, account) == 1_000
        await _sums_to_balance(restarted, account)
    finally:
        await restarted.close()


# jobs

def _job(job_id: str = "job_1", account: str = "acct_a", **changes: object) -> JobRecord:
    record = JobRecord(id=job_id, account_id=account, type="video", model="m", status="queued", created_at=NOW,
                       params={"prompt": "ä", "n": [1, 2]}, upstream_ref=None)
    return record.but(**changes)


async def test_jobs_are_put_replaced_and_found_by_their_account(stores: Stores) -> None:
    jobs = stores.jobs
    queued = _job()
    await jobs.put(queued)
    assert await jobs.get("acct_a", "job_1", NOW) == queued
    assert await jobs.get("acct_b", "job_1", NOW) is None
    assert await jobs.get("acct_a", "job_missing", NOW) is None
    done = queued.but(status="completed", started_at=NOW + 1, completed_at=NOW + 2, expires_at=NOW + 3602,
                      progress=1.0, result={"url": "https://x/y", "nested": {"k": [None, True, 0.5]}},
                      upstream_ref="up_1")
    await jobs.put(done)
    assert await jobs.get("acct_a", "job_1", NOW + 3601) == done
    failed = _job("job_2", status="failed", error={"code": "upstream_error", "message": "no"}, expires_at=NOW)
    await jobs.put(failed)
    assert await jobs.get("acct_a", "job_2", NOW - 1) == failed


async def test_jobs_expire_and_are_purged(stores: Stores) -> None:
    jobs = stores.jobs
    await jobs.put(_job("job_1", status="completed", expires_at=NOW + 10))
    await jobs.put(_job("job_2", status="failed", expires_at=NOW + 20))
    await jobs.put(_job("job_3", status="running"))
    assert await jobs.get("acct_a", "job_1", NOW + 10) is None
    assert await jobs.get("acct_a", "job_3", NOW + 10**6) is not None
    assert await jobs.purge(NOW + 10) == 1
    assert await jobs.purge(NOW + 10) == 0
    assert await jobs.purge(NOW + 10**6) == 1
    assert [j.id for j in await jobs.unfinished()] == ["job_3"]


async def test_unfinished_jobs_are_the_queued_and_running_oldest_first(stores: Stores) -> None:
    await stores.jobs.put(_job("job_b", status="running", created_at=NOW + 1))
    await stores.jobs.put(_job("job_a", created_at=NOW))
    await stores.jobs.put(_job("job_c", status="completed", created_at=NOW - 1, expires_at=NOW + 100))
    assert [(j.id, j.status) for j in await stores.jobs.unfinished()] == [("job_a", "queued"), ("job_b", "running")]


# stored responses

def _response(response_id: str = "resp_1", account: str = "acct_a", created: int = NOW,
              output_id: str = "msg_1") -> StoredResponse:
    response = {"id": response_id, "object": "response", "status": "completed", "created_at": created,
                "output": [{"id": output_id, "type": "message", "role": "assistant",
                            "content": [{"type": "output_text", "text": "hi ✓ \u0000"}]}],
                "usage": {"input_tokens": 3, "output_tokens": 2}}
    items = [{"id": "in_1", "type": "message", "role": "user", "content": "hello"}, {"type": "no_id"}]
    return StoredResponse(response_id, account, response, items, [{"type": "message", "content": "before"}],
                          created, created + 100)


async def test_responses_are_stored_and_found_by_their_account_while_live(stores: Stores) -> None:
    responses = stores.responses
    record = _response()
    await responses.put(record)
    found = await responses.get("acct_a", "resp_1", NOW)
    assert found == record and found is not None
    assert list(found.response) == list(record.response)
    assert found.conversation() == [*record.context, *record.response["output"]]
    assert await responses.get("acct_b", "resp_1", NOW) is None
    assert await responses.get("acct_a", "resp_1", NOW + 100) is None
    assert await responses.get("acct_a", "resp_missing", NOW) is None


async def test_a_response_put_again_is_replaced(stores: Stores) -> None:
    await stores.responses.put(_response())
    replaced = _response(output_id="msg_2")
    await stores.responses.put(replaced)
    assert await stores.responses.get("acct_a", "resp_1", NOW) == replaced
    assert await stores.responses.find_item("acct_a", "msg_2", NOW) == replaced.response["output"][0]
    assert await stores.responses.find_item("acct_a", "msg_1", NOW) is None


async def test_responses_are_deleted_once_and_only_by_their_account(stores: Stores) -> None:
    responses = stores.responses
    await responses.put(_response())
    assert await responses.delete("acct_b", "resp_1", NOW) is False
    assert await responses.delete("acct_a", "resp_1", NOW + 100) is False
    assert await responses.delete("acct_a", "resp_1", NOW) is True
    assert await responses.delete("acct_a", "resp_1", NOW) is False
    assert await responses.get("acct_a", "resp_1", NOW) is None
    assert await responses.find_item("acct_a", "msg_1", NOW) is None


async def test_items_are_found_by_id_in_the_accounts_live_responses(stores: Stores) -> None:
    responses = stores.responses
    older, newer = _response("resp_1"), _response("resp_2", created=NOW + 1)
    await responses.put(older)
    await responses.put(newer)
    await responses.put(_response("resp_3", account="acct_b", output_id="msg_b"))
    assert await responses.find_item("acct_a", "in_1", NOW + 1) == older.input_items[0]
    assert await responses.find_item("acct_a", "msg_1", NOW + 1) == newer.response["output"][0]
    assert await responses.find_item("acct_a", "msg_b", NOW) is None
    assert await responses.find_item("acct_b", "msg_1", NOW) is None
    assert await responses.find_item("acct_a", "msg_1", NOW + 101) is None
    assert await responses.find_item("acct_a", "missing", NOW) is None


async def test_expired_responses_are_purged(stores: Stores) -> None:
    await stores.responses.put(_response("resp_1"))
    await stores.responses.put(_response("resp_2", created=NOW + 50))
    assert await stores.responses.purge(NOW + 99) == 0
    assert await stores.responses.purge(NOW + 100) == 1
    assert await stores.responses.get("acct_a", "resp_2", NOW + 100) is not None
    assert await stores.responses.find_item("acct_a", "msg_1", NOW + 100) is not None
    assert await stores.responses.purge(NOW + 10**6) == 1


# uploaded files

def _file(file_id: str = "file_1", account: str = "acct_a", expires: int = NOW + 100) -> StoredFile:
    return StoredFile(file_id, account, f"bunny://{account}/{file_id}/a.png", "a.png", "image/png", 5, "vision",
                      NOW, expires)


async def test_files_are_found_by_id_or_path_and_read(stores: Stores) -> None:
    files = stores.files
    record, data = _file(), b"\x00\x89PNG"
    await files.put(record, data + b"\xff")
    assert await files.find("acct_a", "file_1", NOW) == record
    assert await files.find("acct_a", record.path, NOW) == record
    assert await files.find("acct_b", "file_1", NOW) is None
    assert await files.find("acct_a", "file_1", NOW + 100) is None
    assert await files.find("acct_a", "file_missing", NOW) is None
    assert await files.content("acct_a", "file_1", NOW) == data + b"\xff"
    assert await files.content("acct_b", "file_1", NOW) is None
    assert await files.content("acct_a", "file_1", NOW + 100) is None
    assert record.public()["path"] == record.path


async def test_expired_files_are_purged(stores: Stores) -> None:
    await stores.files.put(_file("file_1"), b"a")
    await stores.files.put(_file("file_2", expires=NOW + 200), b"b")
    assert await stores.files.purge(NOW + 100) == 1
    assert await stores.files.content("acct_a", "file_2", NOW + 100) == b"b"
    assert await stores.files.purge(NOW + 100) == 0


# generated media

async def test_media_objects_are_read_while_live_and_purged(stores: Stores) -> None:
    media = stores.media
    record = MediaObject("med_1", "acct_a", "v.mp4", "video/mp4", 3, NOW, NOW + 100)
    await media.put(record, b"\x00\x01\x02")
    await media.put(MediaObject("med_2", "acct_b", "i.png", "image/png", 1, NOW, NOW + 200), b"\x03")
    assert await media.get("med_1", NOW) == (record, b"\x00\x01\x02")
    assert await media.get("med_1", NOW + 100) is None
    assert await media.get("med_missing", NOW) is None
    assert await media.purge(NOW + 100) == 1
    assert await media.purge(NOW + 100) == 0
    assert await media.get("med_2", NOW + 100) is not None


# PostgreSQL only: several instances on one database

async def test_postgres_stores_refuse_use_before_open(postgres_factory: Factory) -> None:
    unopened = postgres_factory()
    with pytest.raises(RuntimeError, match="not open"):
        await unopened.accounts.create_account("acme")
    with pytest.raises(RuntimeError, match="not open"):
        unopened.accounts.pepper()
    with pytest.raises(RuntimeError, match="not open"):
        await unopened.jobs.unfinished()


async def test_two_instances_see_each_others_writes(postgres_factory: Factory) -> None:
    one, two = await _opened(postgres_factory)
    try:
        account = await one.accounts.create_account("acme", 1_000)
        key = await two.accounts.add_key(account.id, "digest-1")
        assert await one.accounts.find_key("digest-1") == key
        await one.accounts.hold("req_1", account.id, 100)
        assert await two.accounts.settle("req_1") is True
        assert await _balance(one, account) == 900
        await two.responses.put(_response(account=account.id))
        assert await one.responses.find_item(account.id, "msg_1", NOW) is not None
        await one.jobs.put(_job(account=account.id))
        assert [j.id for j in await two.jobs.unfinished()] == ["job_1"]
        await two.files.put(_file(account=account.id), b"x")
        assert await one.files.content(account.id, "file_1", NOW) == b"x"
        await one.media.put(MediaObject("med_1", account.id, "a", "image/png", 1, NOW, NOW + 1), b"y")
        assert await two.media.get("med_1", NOW) is not None
    finally:
        await _closed([one, two])


async def test_concurrent_settlements_from_two_instances_debit_once(postgres_factory: Factory) -> None:
    one, two = await _opened(postgres_factory)
    try:
        account = await one.accounts.create_account("acme", 1_000)
        await one.accounts.hold("req_1", account.id, 300)
        outcomes = await asyncio.gather(*((one if n % 2 else two).accounts.settle("req_1") for n in range(20)))
        assert outcomes.count(True) == 1
        assert await _balance(one, account) == 700
        assert [c.state for c in await two.accounts.charges()] == ["settled"]
    finally:
        await _closed([one, two])


async def test_concurrent_debits_lose_nothing_and_stop_at_zero(postgres_factory: Factory) -> None:
    one, two = await _opened(postgres_factory)
    try:
        exact = await one.accounts.create_account("exact", 1_000)
        drained = await one.accounts.create_account("drained", 1_000)
        await asyncio.gather(*((one if n % 2 else two).accounts.debit(exact.id, 10) for n in range(50)))
        await asyncio.gather(*((one if n % 2 else two).accounts.debit(drained.id, 30) for n in range(50)))
        assert await _balance(one, exact) == 500
        assert await _balance(two, drained) == 0
    finally:
        await _closed([one, two])



async def test_concurrent_reservations_from_two_instances_never_overcommit(postgres_factory: Factory) -> None:
    one, two = await _opened(postgres_factory)
    try:
        account = await one.accounts.create_account("acme", 1_000)
        outcomes = await asyncio.gather(*((one if n % 2 else two).accounts.reserve(f"req_{n}", account.id, 30)
                                          for n in range(60)))
        assert outcomes.count(True) == 33
        assert await two.accounts.held(account.id) == 990
        for n, held in enumerate(outcomes):
            if held:
                await (one if n % 2 else two).accounts.hold(f"req_{n}", account.id, 30)
        await asyncio.gather(*(one.accounts.settle(f"req_{n}") for n in range(60)))
        assert await _balance(one, account) == 10
        await _sums_to_balance(one, account)
    finally:
        await _closed([one, two])


async def test_the_key_limit_holds_when_two_instances_race(postgres_factory: Factory) -> None:
    one, two = await _opened(postgres_factory)
    try:
        account = await one.accounts.create_account("acme")

        async def add(n: int) -> bool:
            try:
                await (one if n % 2 else two).accounts.add_key(account.id, f"digest-{n}")
            except StoreError:
                return False
            return True

        outcomes = await asyncio.gather(*(add(n) for n in range(MAX_KEYS_PER_ACCOUNT + 10)))
        assert outcomes.count(True) == MAX_KEYS_PER_ACCOUNT
        assert len(await two.accounts.list_keys(account.id)) == MAX_KEYS_PER_ACCOUNT
    finally:
        await _closed([one, two])


async def test_instances_starting_together_migrate_once(postgres_database: str, postgres_factory: Factory) -> None:
    instances = await _opened(postgres_factory, 4)
    await _closed(instances)
    again = await _opened(postgres_factory, 2)
    await _closed(again)
    connection = await asyncpg.connect(postgres_database)
    try:
        rows = await connection.fetch("SELECT version FROM schema_migrations ORDER BY version")
        assert [row["version"] for row in rows] == sorted(version for version, _ in MIGRATIONS)
    finally:
        await connection.close()


async def test_start_up_leaves_the_charges_of_running_instances_pending(postgres_factory: Factory) -> None:
    running, starting = await _opened(postgres_factory)
    try:
        account = await running.accounts.create_account("acme", 1_000)
        await running.accounts.hold("req_in_flight", account.id, 100)
        assert await starting.accounts.void_pending() == []
        assert await starting.accounts.settle("req_in_flight") is True
        await running.accounts.hold("req_left", account.id, 100)
    finally:
        await running.close()
    try:
        assert [c.request_id for c in await starting.accounts.void_pending()] == ["req_left"]
        assert await _balance(starting, account) == 900
    finally:
        await starting.close()


async def test_the_store_url_setting_selects_postgres(postgres_database: str) -> None:
    from gateway.config import load_settings
    from gateway.store.backend import build_stores
    from gateway.store.postgres import PostgresAccountStore

    chosen = build_stores(load_settings(env={"EMPIRIO_DATABASE_URL": postgres_database, "EMPIRIO_KEY_PEPPER": "p"}))
    assert isinstance(chosen.accounts, PostgresAccountStore)
    await chosen.open()
    try:
        assert chosen.accounts.pepper() == b"p"
        assert await chosen.accounts.list_accounts() == []
    finally:
        await chosen.close()


# key expiry and the key limit as a parameter (D-200, D-201)

async def test_a_key_keeps_its_expiry_and_is_live_until_it(stores: Stores) -> None:
    accounts = stores.accounts
    account = await accounts.create_account("acme")
    expiring = await accounts.add_key(account.id, "d-expiring", "ci", expires_at=NOW + 60)
    forever = await accounts.add_key(account.id, "d-forever")
    assert (await accounts.find_key("d-expiring")) == expiring and expiring.expires_at == NOW + 60
    assert [k.expires_at for k in await accounts.list_keys(account.id)] == [NOW + 60, None]
    assert expiring.live(NOW + 59) and not expiring.live(NOW + 60) and forever.live(NOW + 10**9)
    revoked = await accounts.revoke_key(forever.id)
    assert revoked.expires_at is None and not revoked.live(NOW)


async def test_the_key_limit_is_a_parameter_and_expired_keys_keep_their_slot(stores: Stores) -> None:
    accounts = stores.accounts
    account = await accounts.create_account("acme")
    await accounts.add_key(account.id, "d1", expires_at=1)
    await accounts.add_key(account.id, "d2", limit=2)
    with pytest.raises(StoreError, match="already holds 2 keys"):
        await accounts.add_key(account.id, "d3", limit=2)
    assert len(await accounts.list_keys(account.id)) == 2


def test_an_older_sqlite_key_table_gains_the_expiry_column(tmp_path: Path) -> None:
    import sqlite3

    from gateway.store.sqlite import SqliteStore

    path = tmp_path / "old.db"
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE api_keys (id TEXT PRIMARY KEY, account_id TEXT NOT NULL, digest TEXT NOT NULL "
                   "UNIQUE, label TEXT NOT NULL DEFAULT '', created_at INTEGER NOT NULL, revoked_at INTEGER)")
        db.execute("INSERT INTO api_keys VALUES ('key_1', 'acct_1', 'd', '', 1, NULL)")
    SqliteStore(path)
    with sqlite3.connect(path) as db:
        assert db.execute("SELECT expires_at FROM api_keys WHERE id = 'key_1'").fetchone() == (None,)


# the usage log (D-203, D-204)

def _usage(request_id: str, account_id: str, **fields: object) -> UsageEntry:
    defaults: dict[str, object] = {"key_id": "key_1", "model": "m", "endpoint": "/v1/chat/completions",
                                   "method": "POST", "status": 200, "created_at": float(NOW)}
    return UsageEntry(request_id, account_id, **{**defaults, **fields})  # type: ignore[arg-type]


async def test_usage_entries_are_paged_newest_first_per_account(stores: Stores) -> None:
    usage = stores.usage
    first = _usage("req_1", "acct_a", input_tokens=3, output_tokens=5, reasoning_tokens=2, cached_tokens=1,
                   units={"image": 2}, cost_nano=1_234, latency_ms=12.5)
    await usage.add([first, _usage("req_2", "acct_b", status=402), _usage("req_3", "acct_a", status=400, model=None)])
    await usage.add([_usage("req_1", "acct_a", status=500)])  # a request id is stored once
    page = await usage.page("acct_a", 1)
    assert page is not None and [e.request_id for e in page[0]] == ["req_3"] and page[1] is True
    rest = await usage.page("acct_a", 10, after="req_3")
    assert rest == ([first], False)
    assert await usage.page("acct_a", 10, after="req_2") is None  # another account's entry is no cursor
    only_b = await usage.page("acct_b", 10)
    assert only_b is not None and [(e.request_id, e.status) for e in only_b[0]] == [("req_2", 402)]
    assert await usage.page("acct_c", 10) == ([], False)
    assert await usage.page("acct_a", 10, after="req_\x00\\hq") is None  # no stored id holds a NUL


async def test_the_usage_log_writes_in_the_background_and_flushes_on_read_and_close(stores: Stores) -> None:
    log = UsageLog(stores.usage)
    for n in range(1_200):
        log.submit(_usage(f"req_{n}", "acct_a", created_at=float(NOW + n)))
    page = await log.page("acct_a", 100)
    assert page is not None and page[0][0].request_id == "req_1199" and page[1] is True
    log.submit(_usage("req_last", "acct_a"))
    await log.close()
    after_close = await stores.usage.page("acct_a", 1)
    assert after_close is not None and after_close[0][0].request_id == "req_last"


async def test_a_full_usage_queue_drops_rather_than_grows(stores: Stores) -> None:
    log = UsageLog(stores.usage, max_queued=2)
    for n in range(5):
        log.submit(_usage(f"req_{n}", "acct_a"))
    await log.close()
    page = await stores.usage.page("acct_a", 10)
    assert page is not None and 2 <= len(page[0]) < 5
