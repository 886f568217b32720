"""The usage log through the app (D-203, D-204): which calls it records and how, ``GET /v1/usage``'s pages and
errors, key expiry on the gateway's clock (D-200), and that recording never blocks the event loop."""

from __future__ import annotations

import asyncio
import dataclasses
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from gateway.app import create_app
from gateway.config import load_settings
from gateway.security import digest, new_key
from gateway.store.sqlite_usage import SqliteUsageStore
from gateway.store.usage import UsageEntry
from gateway.testing.clock import AdjustableClock
from tests.blocking import blocking


@pytest.fixture()
def gateway(tmp_path: Path) -> Iterator[tuple[TestClient, dict[str, str], dict[str, str], str]]:
    """A client, the headers of two accounts' keys, and the path of a key that expires in 60 s."""
    app = create_app(dataclasses.replace(load_settings(env={}), db_path=tmp_path / "g.db"))
    store = blocking(app.state.gateway.store)
    headers = []
    for name in ("mine", "theirs"):
        key = new_key()
        account = store.create_account(name, 10**12)
        store.add_key(account.id, digest(key, store.pepper()), name)
        headers.append({"authorization": f"Bearer {key}"})
    expiring = new_key()
    now = int(app.state.gateway.clock.now())
    store.add_key(account.id, digest(expiring, store.pepper()), "expiring", expires_at=now + 60)
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client, headers[0], headers[1], expiring


def test_every_authenticated_call_is_logged_with_its_status_and_nothing_else(
        gateway: tuple[TestClient, dict[str, str], dict[str, str], str]) -> None:
    client, mine, theirs, _ = gateway
    ok = client.get("/v1/models", headers=mine)
    bad = client.post("/v1/chat/completions", headers=mine, json={"model": "no-such-model", "messages": []})
    client.get("/v1/models", headers={"authorization": "Bearer sk-empiriolabs-unknown"})
    client.get("/v1/models", headers=theirs)
    page = client.get("/v1/usage", headers=mine).json()
    assert [(e["id"], e["status"], e["endpoint"]) for e in page["data"]] == [
        (bad.headers["x-request-id"], bad.status_code, "/v1/chat/completions"),
        (ok.headers["x-request-id"], 200, "/v1/models")]
    assert page["object"] == "list" and page["has_more"] is False and page["last_id"] == ok.headers["x-request-id"]
    assert all(e["cost"] == 0 and e["cost_nano"] == 0 and e["latency_ms"] >= 0 for e in page["data"])
    assert len(client.get("/v1/usage", headers=theirs).json()["data"]) == 1


@pytest.mark.parametrize(("query", "status", "param"), [
    ("limit=0", 400, "limit"), ("limit=101", 400, "limit"), ("limit=x", 400, "limit"), ("after=req_nope", 404, "after"),
    ("after=", 400, "after"), ("page=2", 400, "page")])
def test_bad_usage_parameters_are_4xx_naming_them(gateway: tuple[TestClient, dict[str, str], dict[str, str], str],
                                                  query: str, status: int, param: str) -> None:
    client, mine, _, _ = gateway
    response = client.get(f"/v1/usage?{query}", headers=mine)
    assert response.status_code == status and response.json()["error"]["param"] == param


def test_an_expired_key_is_401_in_each_envelope_on_the_gateways_clock(
        gateway: tuple[TestClient, dict[str, str], dict[str, str], str]) -> None:
    client, _, _, expiring = gateway
    headers = {"authorization": f"Bearer {expiring}"}
    clock = AdjustableClock()
    client.app.state.gateway.clock = clock  # type: ignore[attr-defined]
    assert client.get("/v1/models", headers=headers).status_code == 200
    clock.advance(60)
    refused = client.get("/v1/models", headers=headers)
    assert refused.status_code == 401 and refused.json()["error"]["code"] == "invalid_api_key"
    messages = client.post("/v1/messages", headers={"x-api-key": expiring},
                           json={"model": "any", "max_tokens": 8, "messages": [{"role": "user", "content": "hi"}]})
    assert messages.status_code == 401 and messages.json()["type"] == "error"
    assert messages.json()["error"]["type"] == "authentication_error"


def test_the_sqlite_usage_store_writes_off_the_event_loop(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = SqliteUsageStore(tmp_path / "u.db")
    threads: list[str] = []
    original = store._add

    def spy(rows: list[tuple[object, ...]]) -> None:
        threads.append(threading.current_thread().name)
        original(rows)

    monkeypatch.setattr(store, "_add", spy)

    async def write() -> None:
        await store.add([UsageEntry("req_1", "acct", "key", None, "/v1/models", "GET", 200)])
        await store.close()

    asyncio.run(write())
    assert threads and threads[0] != threading.main_thread().name


@pytest.mark.parametrize(("result", "cost"), [
    ({"usage": {"cost": 0.04, "unit": "image", "quantity": 1}}, "0.04"), ({"usage": {"cost": "0.04"}}, None),
    ({"usage": {"cost": True}}, None), ({"data": []}, None), (None, None)])
def test_a_synchronous_jobs_reported_cost_is_noted(result: dict[str, object] | None, cost: str | None) -> None:
    from decimal import Decimal

    from gateway.usage import note_result_cost, record_of

    scope: dict[str, object] = {}
    note_result_cost(scope, result)
    assert record_of(scope).cost_usd == (None if cost is None else Decimal(cost))
