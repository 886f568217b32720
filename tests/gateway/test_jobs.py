"""The job runner (D-13, D-89): lifecycle, events, billing on completion, deadline, restart recovery; and
``GET /v1/jobs/{job_id}`` (own jobs only, retention)."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from gateway.app import create_app
from gateway.config import load_settings
from gateway.errors import UpstreamError
from gateway.jobs import JobContext, JobOutcome, JobRunner, Work
from gateway.jobs.events import RunEvents
from gateway.security import digest, new_key
from gateway.store.jobs import JobRecord
from gateway.store.sqlite import SqliteStore
from gateway.store.sqlite_jobs import SqliteJobStore
from tests.blocking import blocking


class _Clock:
    def __init__(self) -> None:
        self.t = 1_800_000_000.0

    def __call__(self) -> float:
        return self.t


def _runner(tmp_path: Path, timeout: float = 5.0) -> tuple[JobRunner, SqliteStore, str, _Clock]:
    accounts = SqliteStore(tmp_path / "g.db")
    account = blocking(accounts).create_account("acme", 10**10)
    clock = _Clock()
    return JobRunner(SqliteJobStore(tmp_path / "g.db"), accounts, RunEvents(), clock, timeout=timeout), accounts, \
        account.id, clock


def _work(result: dict[str, Any], cost: str = "0.5", gate: asyncio.Event | None = None) -> Work:
    async def work(context: JobContext) -> JobOutcome:
        await context.running()
        if gate is not None:
            await gate.wait()
        return JobOutcome(result, Decimal(cost))
    return work


def test_a_job_goes_queued_running_completed_publishes_each_and_is_charged_once(tmp_path: Path) -> None:
    runner, accounts, account_id, clock = _runner(tmp_path)

    async def scenario() -> list[str]:
        gate = asyncio.Event()
        record = await runner.submit(account_id, "image_generation", "m", _work({"data": []}, gate=gate))
        queue = runner.events.subscribe(record.id)
        assert (await runner.jobs.get(account_id, record.id, int(clock.t))).status == "queued"  # type: ignore[union-attr]
        await asyncio.sleep(0)
        gate.set()
        finished = await runner.wait(record.id, 2)
        assert finished is not None and finished.status == "completed" and finished.result == {"data": []}
        return [queue.get_nowait().status for _ in range(queue.qsize())]

    assert asyncio.run(scenario()) == ["running", "completed"]
    stored = blocking(runner.jobs).unfinished()
    assert stored == []
    charges = blocking(accounts).charges()
    assert len(charges) == 1 and charges[0].state == "settled" and charges[0].amount_nano == 500_000_000


def test_a_failed_job_carries_the_error_body_and_is_not_charged(tmp_path: Path) -> None:
    runner, accounts, account_id, _ = _runner(tmp_path)

    async def failing(context: JobContext) -> JobOutcome:
        raise UpstreamError("The model provider returned an error.")

    async def scenario() -> JobRecord | None:
        record = await runner.submit(account_id, "video_generation", "m", failing)
        return await runner.wait(record.id, 2)

    record = asyncio.run(scenario())
    assert record is not None and record.status == "failed" and record.result is None
    assert record.error == {"message": "The model provider returned an error.", "type": "api_error", "param": None,
                            "code": "upstream_error"}
    assert record.expires_at == record.completed_at + 3600  # type: ignore[operator]
    assert blocking(accounts).charges() == []


def test_an_unexpected_exception_fails_the_job_without_saying_why(tmp_path: Path) -> None:
    runner, _, account_id, _ = _runner(tmp_path)

    async def broken(context: JobContext) -> JobOutcome:
        raise RuntimeError("secret upstream host 10.0.0.7")

    async def scenario() -> JobRecord | None:
        return await runner.wait((await runner.submit(account_id, "transcription", "m", broken)).id, 2)

    record = asyncio.run(scenario())
    assert record is not None and record.error is not None
    assert record.error["code"] == "internal_error" and "10.0.0.7" not in record.error["message"]


def test_a_job_past_its_deadline_fails_instead_of_running_forever(tmp_path: Path) -> None:
    runner, _, account_id, _ = _runner(tmp_path, timeout=0.05)

    async def scenario() -> JobRecord | None:
        return await runner.wait((await runner.submit(account_id, "video_generation", "m",
                                               _work({}, gate=asyncio.Event()))).id, 2)

    record = asyncio.run(scenario())
    assert record is not None and record.status == "failed" and record.error["code"] == "upstream_error"  # type: ignore[index]


def test_retention_ends_an_hour_after_completion_and_purge_removes_it(tmp_path: Path) -> None:
    runner, _, account_id, clock = _runner(tmp_path)

    async def scenario() -> JobRecord | None:
        return await runner.wait((await runner.submit(account_id, "image_generation", "m", _work({"data": []}))).id, 2)

    record = asyncio.run(scenario())
    assert record is not None
    assert blocking(runner.jobs).get(account_id, record.id, int(clock.t) + 3599) is not None
    assert blocking(runner.jobs).get(account_id, record.id, int(clock.t) + 3600) is None
    assert blocking(runner.jobs).get("acct_other", record.id, int(clock.t)) is None
    assert blocking(runner.jobs).purge(int(clock.t) + 3600) == 1


def test_after_a_restart_unfinished_jobs_are_resumed_or_failed_never_left_running(tmp_path: Path) -> None:
    runner, _, account_id, clock = _runner(tmp_path)
    base = JobRecord(id="job_a", account_id=account_id, type="video_generation", model="m", status="running",
                     created_at=int(clock.t), started_at=int(clock.t), upstream_ref="up_1")
    blocking(runner.jobs).put(base)
    blocking(runner.jobs).put(base.but(id="job_b", upstream_ref=None))
    blocking(runner.jobs).put(base.but(id="job_c", type="transcription", status="queued"))

    def resume(record: JobRecord) -> Work | None:
        return _work({"data": [{"ref": record.upstream_ref}]}, cost="0")

    async def scenario() -> JobRecord | None:
        await runner.recover({"video_generation": resume})
        return await runner.wait("job_a", 2)

    resumed = asyncio.run(scenario())
    assert resumed is not None and resumed.status == "completed" and resumed.result == {"data": [{"ref": "up_1"}]}
    for job_id in ("job_b", "job_c"):
        failed = blocking(runner.jobs).get(account_id, job_id, int(clock.t))
        assert failed is not None and failed.status == "failed" and failed.error["code"] == "internal_error"  # type: ignore[index]
    assert blocking(runner.jobs).unfinished() == []


@pytest.fixture()
def served(tmp_path: Path) -> Iterator[tuple[TestClient, dict[str, str], Any, str]]:
    app = create_app(dataclasses.replace(load_settings(env={}), db_path=tmp_path / "g.db",
                                         public_url="https://api.example.test"))
    state = app.state.gateway
    key = new_key()
    account = blocking(state.store).create_account("acme", 10**12)
    blocking(state.store).add_key(account.id, digest(key, blocking(state.store).pepper()), "k")
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client, {"authorization": f"Bearer {key}"}, state, account.id


def test_get_job_answers_the_own_job_and_404_for_anything_else(served: tuple[TestClient, dict[str, str], Any, str]) -> None:
    client, headers, state, account_id = served
    now = int(state.clock.now())
    record = JobRecord(id="job_x1", account_id=account_id, type="image_generation", model="qwen-image-2-0",
                       status="queued", created_at=now)
    blocking(state.jobs.jobs).put(record)
    blocking(state.jobs.jobs).put(record.but(id="job_x2", account_id="acct_someone_else"))
    answer = client.get("/v1/jobs/job_x1", headers=headers)
    assert answer.status_code == 200 and answer.json()["status"] == "queued" and "params" not in answer.json()
    for job_id in ("job_x2", "job_nope", "not a job"):
        missing = client.get(f"/v1/jobs/{job_id}", headers=headers)
        assert missing.status_code == 404 and missing.json()["error"]["code"] == "job_not_found"
    assert client.get("/v1/jobs/job_x1").status_code == 401


def test_the_restarted_gateway_fails_the_job_it_cannot_resume(tmp_path: Path) -> None:
    settings = dataclasses.replace(load_settings(env={}), db_path=tmp_path / "g.db")
    store = blocking(SqliteJobStore(tmp_path / "g.db"))
    store.put(JobRecord(id="job_r", account_id="acct_1", type="image_generation", model="m", status="running",
                        created_at=1))
    with TestClient(create_app(settings)):
        pass
    record = store.get("acct_1", "job_r", 2)
    assert record is not None and record.status == "failed"
