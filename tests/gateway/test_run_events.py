"""The run-events WebSocket (D-121 – D-123) against the real server stack (uvicorn with the gateway's
protocol, in a thread): subscribe and follow, a late subscriber, unknown and foreign runs, every way of
presenting a key, bad frames, the frame cap, the per-account cap, a fault, the idle close — and the HTTP
transport limits ending at the upgrade (no body timer, no connection counted)."""

from __future__ import annotations

import dataclasses
import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect
from websockets.typing import Subprotocol

from gateway.app import create_app
from gateway.config import load_settings
from gateway.formats.run_events import decode_subscribe, run_event
from gateway.security import digest, new_key
from gateway.server.run import uvicorn_config
from gateway.state import GatewayState
from gateway.store.jobs import JobRecord
from suites.launcher import free_ports
from tests.blocking import blocking

BODY_TIMEOUT = 0.5
IDLE = 1.5


@dataclasses.dataclass
class Served:
    url: str
    http: str
    state: GatewayState
    key: str
    account_id: str
    other_key: str
    server: uvicorn.Server

    def publish(self, record: JobRecord, *, store: bool = True) -> None:
        """Store ``record`` and publish it on the server's loop, as the job runner does."""
        if store:
            blocking(self.state.jobs.jobs).put(record)
        loop = self.server.loop  # type: ignore[attr-defined]
        loop.call_soon_threadsafe(self.state.events.publish, record)


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    (port,) = free_ports(1)
    db: Path = tmp_path_factory.mktemp("runs") / "g.db"
    settings = dataclasses.replace(load_settings(env={}), db_path=db, port=port, body_timeout=BODY_TIMEOUT,
                                   connections_per_client=3, runs_idle_timeout=IDLE)
    app = create_app(settings)
    state: GatewayState = app.state.gateway
    keys = []
    for name in ("acme", "other"):
        key = new_key()
        account = blocking(state.store).create_account(name, 10**12)
        blocking(state.store).add_key(account.id, digest(key, blocking(state.store).pepper()), "k")
        keys.append((key, account.id))
    server = uvicorn.Server(uvicorn_config(app, settings))

    def run() -> None:
        import asyncio

        async def serve() -> None:
            server.loop = asyncio.get_running_loop()  # type: ignore[attr-defined]
            await server.serve()

        asyncio.run(serve())

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.02)
    yield Served(f"ws://127.0.0.1:{port}/v1/runs/events", f"http://127.0.0.1:{port}", state, keys[0][0],
                 keys[0][1], keys[1][0], server)
    server.should_exit = True
    thread.join(5)


def _open(served: Served, key: str | None = None, **options: Any) -> ClientConnection:
    headers = {"Authorization": f"Bearer {key or served.key}"} if "subprotocols" not in options else {}
    headers.update(options.pop("headers", {}))
    return connect(served.url, additional_headers=headers, open_timeout=5, proxy=None, **options)


def _recv(ws: ClientConnection, timeout: float = 5.0) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(ws.recv(timeout=timeout))
    return loaded


def _closed(ws: ClientConnection, timeout: float = 5.0) -> int | None:
    try:
        while True:
            ws.recv(timeout=timeout)
    except ConnectionClosed as closed:
        return closed.rcvd.code if closed.rcvd else None


def _job(served: Served, job_id: str, account_id: str | None = None) -> JobRecord:
    now = int(served.state.clock.now())
    return JobRecord(id=job_id, account_id=account_id or served.account_id, type="transcription", model="m",
                     status="queued", created_at=now)


def test_a_subscriber_follows_a_run_forward_to_one_terminal_event(served: Served) -> None:
    queued = _job(served, "job_follow")
    blocking(served.state.jobs.jobs).put(queued)
    with _open(served) as ws:
        ws.send(json.dumps({"type": "subscribe", "runIds": ["job_follow"]}))
        assert _recv(ws)["runIds"] == ["job_follow"]
        assert _recv(ws)["type"] == "run.queued"
        running = queued.but(status="running", started_at=queued.created_at + 1)
        served.publish(running)
        served.publish(running)  # a repeated transition is not sent twice
        assert _recv(ws)["type"] == "run.started"
        done = running.but(status="completed", completed_at=queued.created_at + 2, expires_at=queued.created_at + 3602,
                           result={"text": "hi", "transcript_url": "https://m.example/t.txt"})
        served.publish(done)
        event = _recv(ws)
        assert event == run_event(done) and event["occurredAt"].endswith("Z")
        assert event["output"] == {"text": "hi", "files": [{"url": "https://m.example/t.txt"}], "result": done.result}
        served.publish(queued, store=False)  # never backwards
        ws.send(json.dumps({"runId": "job_follow"}))  # again: acknowledged, nothing more
        assert _recv(ws)["runIds"] == ["job_follow"]
        with pytest.raises(TimeoutError):
            ws.recv(timeout=0.5)
    with _open(served) as late:
        late.send(json.dumps({"runId": "job_follow", "projectId": "p"}))
        assert _recv(late)["type"] == "subscribed"
        assert _recv(late) == run_event(done)


def test_unknown_and_foreign_runs_are_answered_run_not_found(served: Served) -> None:
    blocking(served.state.jobs.jobs).put(_job(served, "job_theirs", account_id="acct_someone_else"))
    with _open(served) as ws:
        ws.send(json.dumps({"type": "subscribe", "runIds": ["job_nope", "job_theirs"]}))
        assert _recv(ws)["runIds"] == []
        for run_id in ("job_nope", "job_theirs"):
            error = _recv(ws)
            assert (error["type"], error["code"], error["runId"]) == ("error", "run_not_found", run_id)


def test_bad_frames_are_invalid_request_and_the_connection_stays(served: Served) -> None:
    with _open(served) as ws:
        for frame in ("not json", "[]", json.dumps({"type": "unsubscribe"}), json.dumps({"runIds": []}), b"\x00"):
            ws.send(frame)
            error = _recv(ws)
            assert (error["type"], error["code"], error["runId"]) == ("error", "invalid_request", None), frame
        ws.send(json.dumps({"runId": "job_nope"}))
        assert _recv(ws)["type"] == "subscribed"


def test_every_documented_key_source_authenticates_and_the_key_is_never_selected(served: Served) -> None:
    with _open(served, headers={"x-api-key": served.key}) as ws:
        ws.send(json.dumps({"runId": "job_nope"}))
        assert _recv(ws)["type"] == "subscribed"
    offered = [Subprotocol("empiriolabs.v1"), Subprotocol(f"bearer.{served.key}")]
    with _open(served, subprotocols=offered) as ws:
        assert ws.subprotocol == "empiriolabs.v1"
        ws.send(json.dumps({"runId": "job_nope"}))
        assert _recv(ws)["type"] == "subscribed"


@pytest.mark.parametrize(("options", "code"), [
    ({"headers": {"Authorization": ""}}, "missing_api_key"),
    ({"headers": {"Authorization": "Bearer sk-empiriolabs-nope"}}, "invalid_api_key"),
    ({"subprotocols": [Subprotocol("empiriolabs.v1"), Subprotocol("bearer.sk-empiriolabs-nope")]}, "invalid_api_key"),
])
def test_a_refused_key_is_one_error_then_4401(served: Served, options: dict[str, Any], code: str) -> None:
    options = dict(options)
    if "headers" in options:
        options["additional_headers"] = options.pop("headers")
    with connect(served.url, open_timeout=5, proxy=None, **options) as ws:
        error = _recv(ws)
        assert (error["type"], error["code"], error["runId"]) == ("error", code, None)
        assert _closed(ws) == 4401


def test_keys_that_disagree_are_refused(served: Served) -> None:
    offered = [Subprotocol("empiriolabs.v1"), Subprotocol(f"bearer.{served.other_key}")]
    with _open(served, subprotocols=offered, headers={"x-api-key": served.key}) as ws:
        assert _recv(ws)["code"] == "invalid_api_key"
        assert _closed(ws) == 4401


def test_a_frame_over_64_kib_closes_with_1009(served: Served) -> None:
    with _open(served) as ws:
        ws.send(json.dumps({"runId": "x" * 70_000}))
        assert _closed(ws) == 1009


def test_the_eleventh_connection_of_an_account_is_4429(served: Served) -> None:
    opened = [_open(served) for _ in range(10)]
    try:
        with _open(served) as extra:
            assert _recv(extra)["code"] == "rate_limit_exceeded"
            assert _closed(extra) == 4429
        with _open(served, key=served.other_key) as other:
            other.send(json.dumps({"runId": "job_nope"}))
            assert _recv(other)["type"] == "subscribed"
    finally:
        for ws in opened:
            ws.close()


def test_a_fault_is_internal_error_then_1011(served: Served, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(account_id: str, run_id: str) -> JobRecord | None:
        raise RuntimeError("boom")

    monkeypatch.setattr(served.state.events, "find", broken)
    with _open(served) as ws:
        ws.send(json.dumps({"runId": "job_nope"}))
        error = _recv(ws)
        assert (error["type"], error["code"]) == ("error", "internal_error") and "boom" not in error["message"]
        assert _closed(ws) == 1011


def test_a_connection_following_nothing_unfinished_closes_after_the_idle_timeout(served: Served) -> None:
    with _open(served) as ws:
        started = time.monotonic()
        assert _closed(ws, timeout=IDLE * 4) == 1000
        assert IDLE - 0.2 <= time.monotonic() - started <= IDLE * 3


def test_the_http_limits_end_at_the_upgrade(served: Served) -> None:
    with _open(served) as ws:
        time.sleep(BODY_TIMEOUT * 2)  # a body timer left running would write a 408 onto the socket
        ws.send(json.dumps({"runId": "job_nope"}))
        assert _recv(ws)["type"] == "subscribed"
    for _ in range(2):
        opened = [_open(served) for _ in range(3)]  # connections_per_client is 3: upgraded ones do not count
        assert httpx.get(f"{served.http}/healthz", timeout=5).status_code == 200
        for ws in opened:
            ws.close()


def test_decode_subscribe_reads_the_docs_form_and_joins_run_id() -> None:
    assert decode_subscribe(json.dumps({"runId": "job_a", "projectId": "p"})) == ["job_a"]
    assert decode_subscribe(json.dumps({"type": "subscribe", "runIds": ["job_a", "job_b"], "runId": "job_a"})) \
        == ["job_a", "job_b"]
