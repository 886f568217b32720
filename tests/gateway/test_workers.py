"""``python -m gateway serve --workers N`` (D-206): refused without the shared state, and with Redis and
PostgreSQL N processes serve one port and admit exactly one account's limit between them."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from gateway.config import Settings
from gateway.server.run import shared_state_problem
from suites.launcher import Deployment, SharedServersMissing, free_ports, launch

LIMIT = 10


def test_more_than_one_worker_needs_redis_and_postgres() -> None:
    assert shared_state_problem(Settings(), 1) is None
    assert "D-206" in (shared_state_problem(Settings(), 2) or "")
    assert "D-206" in (shared_state_problem(Settings(redis_url="redis://127.0.0.1:1/0"), 2) or "")
    assert shared_state_problem(Settings(redis_url="redis://x", database_url="postgresql://x"), 2) is None
    assert shared_state_problem(Settings(), 0) is not None


def test_serve_refuses_workers_on_the_embedded_state(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("EMPIRIO_")}
    env["EMPIRIO_DB"] = str(tmp_path / "gateway.db")
    out = subprocess.run([sys.executable, "-m", "gateway", "serve", "--port", str(free_ports(1)[0]), "--workers", "2"],
                         env=env, cwd=tmp_path, capture_output=True, text=True, timeout=60, check=False)
    assert out.returncode == 2 and "needs the shared state" in out.stderr, out.stderr[-2000:]


@pytest.fixture(scope="module")
def workers() -> Iterator[Deployment]:
    try:
        started = launch(test_mode=False, shared=True, workers=2)
    except SharedServersMissing as missing:
        pytest.skip(str(missing))
    yield started
    started.stop()


def _children(pid: int) -> list[int]:
    out = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                out.append(int(entry.name))
    return out


def test_two_workers_serve_one_port_with_one_limit(workers: Deployment) -> None:
    parent = workers.processes[-1].pid
    serving = [c for c in _children(parent) if b"spawn_main" in Path(f"/proc/{c}/cmdline").read_bytes()]
    assert len(serving) == 2, serving
    account = workers.admin("provision", "--name", "workers", "--credits", "1000", "--label", "w")
    workers.admin("set-limits", "--account", account["account_id"], "--rpm", str(LIMIT), "--tpm", "1000000000")
    body = {"model": "qwen3-max", "messages": [{"role": "user", "content": "hi"}], "max_completion_tokens": 5}

    async def burst() -> list[httpx.Response]:
        limits = httpx.Limits(max_connections=2 * LIMIT, max_keepalive_connections=0)
        async with httpx.AsyncClient(timeout=30, limits=limits,
                                     headers={"authorization": f"Bearer {account['api_key']}"}) as client:
            return await asyncio.gather(*[client.post(f"{workers.base_url}/v1/chat/completions", json=body)
                                          for _ in range(2 * LIMIT)])

    statuses = sorted(r.status_code for r in asyncio.run(burst()))
    assert statuses == [200] * LIMIT + [429] * LIMIT, statuses
