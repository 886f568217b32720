"""Two reference gateway processes on one SQLite store and one Redis enforce one rate limit between them
(D-4, D-151): 2 × limit simultaneous requests split across both admit exactly the limit. With the
``limiter_per_process`` defect on, each instance limits on its own and the same burst admits twice the
limit — the check that catches it (tests/defects/redis_limits.py)."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from suites.launcher import Deployment, launch

LIMIT = 10


def _admin(deployment: Deployment, *args: str) -> dict[str, Any]:
    out = subprocess.run([sys.executable, "-m", "gateway", "admin", *args], env=deployment.env,
                         cwd=deployment.workdir, check=True, capture_output=True, text=True)
    result: dict[str, Any] = json.loads(out.stdout)
    return result


def _limited_key(deployment: Deployment, rpm: int) -> str:
    """A fresh account's key limited to ``rpm`` requests per minute."""
    account = _admin(deployment, "provision", "--name", "instances", "--credits", "1000", "--label", "k")
    subprocess.run([sys.executable, "-m", "gateway", "admin", "set-limits", "--account", account["account_id"],
                    "--rpm", str(rpm), "--tpm", "1000000000"], env=deployment.env, cwd=deployment.workdir,
                   check=True, capture_output=True)
    return str(account["api_key"])


def _chat_model(deployment: Deployment) -> str:
    models = httpx.get(f"{deployment.base_url}/v1/models", timeout=10,
                       headers={"authorization": f"Bearer {deployment.api_key}"}).json()["data"]
    chat = [m for m in models if "/v1/chat/completions" in json.dumps(m) and m.get("owned_by") == "openai"]
    return str((chat or models)[0]["id"])


def _burst(deployment: Deployment, key: str, count: int) -> list[httpx.Response]:
    """``count`` simultaneous chat requests, alternating between the deployment's instances."""
    body = {"model": _chat_model(deployment), "messages": [{"role": "user", "content": "hi"}],
            "max_completion_tokens": 5}

    async def main() -> list[httpx.Response]:
        async with httpx.AsyncClient(timeout=30, headers={"authorization": f"Bearer {key}"}) as client:
            urls = deployment.instance_urls
            return await asyncio.gather(*[client.post(f"{urls[i % len(urls)]}/v1/chat/completions", json=body)
                                          for i in range(count)])

    return asyncio.run(main())


def _shared_limit_holds(deployment: Deployment) -> tuple[bool, list[tuple[str, int]]]:
    """Whether 2 × LIMIT requests split across the instances admit exactly LIMIT, the rest 429 with
    ``retry-after``; and what each instance answered."""
    responses = _burst(deployment, _limited_key(deployment, LIMIT), 2 * LIMIT)
    seen = [(str(r.request.url.port), r.status_code) for r in responses]
    admitted = [r for r in responses if r.status_code == 200]
    refused = [r for r in responses if r.status_code == 429]
    exact = len(admitted) == LIMIT and len(refused) == LIMIT
    return exact and all(r.headers.get("retry-after", "").isdigit() for r in refused), seen


@pytest.fixture(scope="module")
def two_instances(redis_url: str) -> Iterator[Deployment]:
    started = launch(test_mode=True, instances=2, redis_url=redis_url)
    yield started
    started.stop()


def test_two_instances_admit_exactly_the_limit(two_instances: Deployment) -> None:
    assert len(two_instances.instance_urls) == 2
    holds, seen = _shared_limit_holds(two_instances)
    assert holds, seen


def test_remaining_decreases_across_instances(two_instances: Deployment) -> None:
    """Requests in turn on either instance draw on one budget: ``remaining`` 2, 1, 0, then 429 on both."""
    key, urls = _limited_key(two_instances, 3), two_instances.instance_urls
    body = {"model": _chat_model(two_instances), "messages": [{"role": "user", "content": "hi"}],
            "max_completion_tokens": 5}
    answers = [httpx.post(f"{urls[i % 2]}/v1/chat/completions", json=body, timeout=30,
                          headers={"authorization": f"Bearer {key}"}) for i in range(5)]
    assert [r.status_code for r in answers] == [200, 200, 200, 429, 429]
    assert [r.headers.get("x-ratelimit-remaining-requests") for r in answers[:3]] == ["2", "1", "0"]
    assert all(0 < int(r.headers["retry-after"]) <= 60 for r in answers[3:])


def test_keys_of_another_account_are_unaffected(two_instances: Deployment) -> None:
    spent = _limited_key(two_instances, 1)
    assert [r.status_code for r in _burst(two_instances, spent, 2)].count(200) == 1
    assert [r.status_code for r in _burst(two_instances, _limited_key(two_instances, 1), 2)].count(200) == 1


def test_a_per_process_limiter_is_caught(redis_url: str) -> None:
    deployment = launch(test_mode=True, instances=2, redis_url=redis_url, defects=("limiter_per_process",))
    try:
        holds, seen = _shared_limit_holds(deployment)
    finally:
        deployment.stop()
    assert not holds, f"the two-instance check passed with each instance limiting on its own: {seen}"
    assert [status for _, status in seen].count(200) == 2 * LIMIT
