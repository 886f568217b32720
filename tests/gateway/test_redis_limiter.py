"""The Redis limiter (gateway/limits/redis.py) against a private redis-server: exact under concurrency from
independent clients (two instances), sliding at the window's boundary in real time, tokens reserved,
reconciled and released, a refusal recording nothing."""

from __future__ import annotations

import asyncio
import dataclasses
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TypeVar

import pytest
from redis.asyncio import Redis
from starlette.testclient import TestClient

from gateway.app import create_app
from gateway.config import load_settings
from gateway.limits import build_limiter, shared_limiter
from gateway.limits.base import Admission, Budget, Refused
from gateway.limits.memory import MemoryLimiter
from gateway.limits.redis import CONNECTIONS, RedisLimiter, keys_of
from gateway.security import digest, new_key
from suites.launcher import free_ports
from tests.blocking import blocking

T = TypeVar("T")


def _run(redis_url: str, scenario: Callable[[RedisLimiter, RedisLimiter], Awaitable[T]]) -> T:
    """``scenario`` with two limiters on separate connection pools, as two gateway instances have."""
    async def main() -> T:
        first, second = RedisLimiter.from_url(redis_url), RedisLimiter.from_url(redis_url)
        try:
            return await scenario(first, second)
        finally:
            await first.close()
            await second.close()
    return asyncio.run(main())


def _key() -> str:
    return f"acct_{uuid.uuid4().hex[:12]}"


async def _try(limiter: RedisLimiter, key: str, budget: Budget, tokens: int = 0) -> Admission | Refused:
    try:
        return await limiter.admit(key, budget, tokens)
    except Refused as refused:
        return refused


def test_two_instances_admit_exactly_the_budget(redis_url: str) -> None:
    key, budget = _key(), Budget(requests=50, tokens=0, window=60)

    async def scenario(a: RedisLimiter, b: RedisLimiter) -> list[Admission | Refused]:
        return await asyncio.gather(*[_try(a if i % 2 else b, key, budget) for i in range(200)])

    outcomes = _run(redis_url, scenario)
    admitted = [o for o in outcomes if isinstance(o, Admission)]
    refused = [o for o in outcomes if isinstance(o, Refused)]
    assert len(admitted) == 50 and len(refused) == 150
    assert sorted(a.usage.requests_remaining for a in admitted) == list(range(50))
    assert len({a.ticket for a in admitted}) == 50
    assert all(r.dimension == "requests" and 0 < r.retry_after <= 60 for r in refused)


def test_token_budget_is_exact_under_concurrency(redis_url: str) -> None:
    key, budget = _key(), Budget(requests=1000, tokens=10_000, window=60)

    async def scenario(a: RedisLimiter, b: RedisLimiter) -> list[Admission | Refused]:
        return await asyncio.gather(*[_try(a if i % 2 else b, key, budget, 300) for i in range(100)])

    outcomes = _run(redis_url, scenario)
    admitted = [o for o in outcomes if isinstance(o, Admission)]
    assert len(admitted) == 33  # 33 × 300 = 9,900 ≤ 10,000 < 34 × 300
    assert min(a.usage.tokens_remaining for a in admitted) == 100
    assert all(o.dimension == "tokens" for o in outcomes if isinstance(o, Refused))


def test_an_estimate_over_the_whole_budget_waits_a_window(redis_url: str) -> None:
    key, budget = _key(), Budget(requests=10, tokens=1000, window=30)

    async def scenario(a: RedisLimiter, b: RedisLimiter) -> Refused | Admission:
        return await _try(a, key, budget, 1001)

    refused = _run(redis_url, scenario)
    assert isinstance(refused, Refused) and refused.dimension == "tokens" and refused.retry_after == 30


def test_the_window_slides_at_its_boundary(redis_url: str) -> None:
    key, budget = _key(), Budget(requests=2, tokens=0, window=1.0)

    async def scenario(a: RedisLimiter, b: RedisLimiter) -> None:
        loop = asyncio.get_running_loop()
        first = await a.admit(key, budget)
        assert 0.9 < first.usage.requests_reset <= 1.0
        await asyncio.sleep(0.5)
        await b.admit(key, budget)
        refused = await _try(a, key, budget)
        free_at = loop.time() + (refused.retry_after if isinstance(refused, Refused) else 0)
        assert isinstance(refused, Refused) and 0 < refused.retry_after <= 0.55, refused
        await asyncio.sleep(refused.retry_after / 2)
        early = await _try(b, key, budget)
        if loop.time() < free_at - 0.05:  # the first is surely still inside its window
            assert isinstance(early, Refused), early
        await asyncio.sleep(max(0.0, free_at - loop.time()) + 0.02)
        again = early if isinstance(early, Admission) else await b.admit(key, budget)
        assert again.usage.requests_remaining == 0  # the first left the window: exactly one slot came free
        assert isinstance(await _try(a, key, budget), Refused)

    _run(redis_url, scenario)


def test_no_burst_across_a_boundary(redis_url: str) -> None:
    """Whatever the phase, no span of one window holds more than the budget."""
    key, budget = _key(), Budget(requests=5, tokens=0, window=1.0)

    async def scenario(a: RedisLimiter, b: RedisLimiter) -> list[float]:
        loop, times = asyncio.get_running_loop(), list[float]()
        end = loop.time() + 2.5
        while loop.time() < end:
            outcome = await _try(a if len(times) % 2 else b, key, budget)
            if isinstance(outcome, Admission):
                times.append(loop.time())
            await asyncio.sleep(0.01)
        return times

    times = _run(redis_url, scenario)
    assert len(times) >= 10
    for i, start in enumerate(times):
        assert sum(1 for t in times[i:] if t - start < 0.9) <= 5  # client-side times: slack for latency


def test_reconcile_replaces_the_reservation(redis_url: str) -> None:
    key, budget = _key(), Budget(requests=10, tokens=1000, window=60)

    async def scenario(a: RedisLimiter, b: RedisLimiter) -> None:
        admission = await a.admit(key, budget, 800)
        assert admission.reserved == 800 and admission.usage.tokens_remaining == 200
        assert isinstance(await _try(b, key, budget, 300), Refused)
        usage = await b.reconcile(admission, 150)
        assert usage.tokens_remaining == 850 and usage.requests_remaining == 9
        assert (await b.admit(key, budget, 300)).usage.tokens_remaining == 550
        over = await a.reconcile(admission, 900)  # the real usage may exceed the estimate
        assert over.tokens_remaining == 0

    _run(redis_url, scenario)


def test_release_removes_the_admission(redis_url: str) -> None:
    key, budget = _key(), Budget(requests=1, tokens=100, window=60)

    async def scenario(a: RedisLimiter, b: RedisLimiter) -> None:
        admission = await a.admit(key, budget, 60)
        assert isinstance(await _try(b, key, budget), Refused)
        await b.release(admission)
        again = await b.admit(key, budget, 100)
        assert again.usage.requests_remaining == 0 and again.usage.tokens_remaining == 0
        await a.release(admission)  # twice: a no-op, the other entry stays
        assert isinstance(await _try(a, key, budget), Refused)

    _run(redis_url, scenario)


def test_a_refusal_records_nothing(redis_url: str) -> None:
    key, budget = _key(), Budget(requests=3, tokens=100, window=60)

    async def scenario(a: RedisLimiter, b: RedisLimiter) -> tuple[int, int]:
        await a.admit(key, budget, 90)
        for _ in range(5):
            assert isinstance(await _try(b, key, budget, 20), Refused)
        client: Redis = Redis.from_url(redis_url)
        try:
            log, tokens = keys_of(key)
            count, total = await client.zcard(log), int(await client.hget(tokens, "!total") or 0)
            assert 0 < await client.pttl(log) <= 61_000
        finally:
            await client.aclose()
        return count, total

    assert _run(redis_url, scenario) == (1, 90)


def test_the_auxiliary_budget_has_no_token_dimension(redis_url: str) -> None:
    key, budget = _key() + ":auxiliary", Budget(requests=2, tokens=0, window=60)

    async def scenario(a: RedisLimiter, b: RedisLimiter) -> None:
        first = await a.admit(key, budget, 5000)
        assert first.usage.tokens_remaining == 0 and first.usage.requests_remaining == 1
        await b.admit(key, budget)
        refused = await _try(a, key, budget)
        assert isinstance(refused, Refused) and refused.dimension == "requests"

    _run(redis_url, scenario)


@pytest.mark.parametrize("restart", [False, True])
def test_scripts_survive_a_flushed_script_cache(redis_url: str, restart: bool) -> None:
    key, budget = _key(), Budget(requests=5, tokens=0, window=60)

    async def scenario(a: RedisLimiter, b: RedisLimiter) -> int:
        await a.admit(key, budget)
        if restart:
            client: Redis = Redis.from_url(redis_url)
            await client.script_flush()
            await client.aclose()
        return (await b.admit(key, budget)).usage.requests_remaining

    assert _run(redis_url, scenario) == 3


def test_the_setting_chooses_the_limiter(tmp_path: Path) -> None:
    config = tmp_path / "gateway.toml"
    config.write_text('[limits]\nredis_url = "redis://127.0.0.1:1/0"\n')
    assert load_settings(config, env={}).redis_url == "redis://127.0.0.1:1/0"
    assert load_settings(config, env={"EMPIRIO_REDIS_URL": "redis://h:2/1"}).redis_url == "redis://h:2/1"
    assert isinstance(build_limiter(load_settings(env={})), MemoryLimiter)
    limiter = build_limiter(load_settings(config, env={}))
    assert isinstance(limiter, RedisLimiter)
    asyncio.run(limiter.close())  # never connected: nothing to release, no error


def test_an_unreachable_redis_fails_closed(tmp_path: Path) -> None:
    """D-153: no Redis, no admission — a 500 ``internal_error`` in the envelope, naming no host."""
    closed = f"redis://127.0.0.1:{free_ports(1)[0]}/0"
    app = create_app(dataclasses.replace(load_settings(env={}), db_path=tmp_path / "g.db", redis_url=closed))
    store = blocking(app.state.gateway.store)
    key = new_key()
    account = store.create_account("a", 10**12)
    store.add_key(account.id, digest(key, store.pepper()), "k")
    with TestClient(app, raise_server_exceptions=False) as client:
        chat = client.post("/v1/chat/completions", headers={"authorization": f"Bearer {key}"},
                           json={"model": "gpt-4.1-mini", "messages": [{"role": "user", "content": "hi"}]})
        models = client.get("/v1/models", headers={"authorization": f"Bearer {key}"})
    for response in (chat, models):
        assert response.status_code == 500 and response.json()["error"]["code"] == "internal_error"
        assert closed.split("//")[1].split("/")[0] not in response.text


def test_the_shared_limiter_of_the_settings(redis_url: str) -> None:
    assert shared_limiter(load_settings(env={})) is None
    limiter = shared_limiter(load_settings(env={"EMPIRIO_REDIS_URL": redis_url}))
    assert isinstance(limiter, RedisLimiter)

    async def scenario() -> int:
        try:
            return (await limiter.admit(_key(), Budget(3, 0, 60))).usage.requests_remaining
        finally:
            await limiter.close()

    assert asyncio.run(scenario()) == 2


def test_more_admissions_at_once_than_connections(redis_url: str) -> None:
    """One process's burst larger than its connection pool waits for connections instead of failing."""
    key, budget = _key(), Budget(requests=100, tokens=0, window=60)

    async def scenario(a: RedisLimiter, b: RedisLimiter) -> list[Admission | Refused]:
        return await asyncio.gather(*[_try(a, key, budget) for _ in range(CONNECTIONS * 10)])

    outcomes = _run(redis_url, scenario)
    assert sum(isinstance(o, Admission) for o in outcomes) == 100


def test_token_waits_and_resets_over_many_entries(redis_url: str) -> None:
    """The scripts page through the log: the wait for tokens is the entry that frees enough, the reset the
    newest entry holding tokens, past the first page of entries."""
    key, budget = _key(), Budget(requests=1000, tokens=1000, window=60)

    async def scenario(a: RedisLimiter, b: RedisLimiter) -> None:
        first = await a.admit(key, budget, 500)
        for _ in range(250):
            await b.admit(key, budget, 2)
        refused = await _try(a, key, budget, 10)  # 1000 held: the first entry must leave
        assert isinstance(refused, Refused) and refused.dimension == "tokens"
        assert abs(refused.retry_after - first.usage.requests_reset) < 1, (refused.retry_after, first.usage)
        last = (await a.admit(key, budget)).usage  # no tokens: the newest holding tokens is the one before
        assert last.tokens_reset < last.requests_reset and last.tokens_remaining == 0

    _run(redis_url, scenario)
