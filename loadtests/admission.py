"""Cost of admission: what the rate limiter adds to a request, on the embedded default and on Redis,
against the same request with the limits off (D-177), measured on this machine.

Two levels. The limiter alone: admit + reconcile cycles of the in-process limiter and of the Redis one (a
private ``redis-server`` on loopback), against an empty cycle (no limiter call), each key's log holding up
to the 50 admissions of an account at its limit. End to end: the same non-streaming chat request through
three launched references (gateway + mocks) — limits off (``[test] limits = "off"``, D-176), the embedded
limiter, the Redis one — sent in turn, one to each per round, after a warm-up. A benchmark, not a test: it
prints medians, p99s, the added latency and the ratios, and never fails on them.

    .venv/bin/python -m loadtests.admission [--requests 1000] [--cycles 5000]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from gateway.limits.base import Budget, Limiter
from gateway.limits.memory import MemoryLimiter
from gateway.limits.redis import RedisLimiter
from suites.launcher import Deployment, launch
from suites.servers import RedisServer, redis_unavailable

__all__ = ["main"]

BODY = {"model": "qwen3-max", "messages": [{"role": "user", "content": "Benchmark"}]}
BUDGET = Budget(requests=50, tokens=2_000_000, window=60.0)
"""The documented default (seed 008): each micro-benchmark key holds at most this many admissions."""
RESERVED, USED = 1_000, 300
"""Tokens a micro-benchmark admission reserves, and the usage it is reconciled to."""
OFF_CONFIG = '[test]\nmode = true\nlimits = "off"\n'
BENCH_WINDOW = 0.5
"""Seconds of the end-to-end account's window: at one request every few milliseconds its log holds about
the 50 admissions of an account at its limit (the limits themselves never bind)."""
WARMUP = 20

Cycle = Callable[[str], Awaitable[tuple[int, int]]]
"""One admit + reconcile on a key: the nanoseconds of each."""


def p99(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=100, method="inclusive")[98] if len(samples) > 1 else samples[0]


def _cycle(limiter: Limiter | None) -> Cycle:
    async def timed(key: str) -> tuple[int, int]:
        started = time.perf_counter_ns()
        if limiter is None:
            admitted = time.perf_counter_ns()
            return admitted - started, time.perf_counter_ns() - admitted
        admission = await limiter.admit(key, BUDGET, RESERVED)
        admitted = time.perf_counter_ns()
        await limiter.reconcile(admission, USED)
        return admitted - started, time.perf_counter_ns() - admitted

    return timed


async def _micro(cycles: int, redis_url: str) -> dict[str, tuple[list[float], list[float]]]:
    """Per configuration, the µs of each admit and of each reconcile; configurations alternate in batches."""
    limiters: dict[str, Limiter | None] = {"off": None, "embedded": MemoryLimiter()}
    if redis_url:
        limiters["redis"] = RedisLimiter.from_url(redis_url, prefix=f"bench:{uuid.uuid4().hex}:")
    runs = {name: _cycle(limiter) for name, limiter in limiters.items()}
    times: dict[str, tuple[list[float], list[float]]] = {name: ([], []) for name in runs}
    keys = max(1, math.ceil((cycles + WARMUP) / BUDGET.requests))
    try:
        for run in runs.values():
            for i in range(WARMUP):
                await run(f"warm:{i % keys}")
        batch = max(1, min(100, cycles // 10))
        for start in range(0, cycles, batch):
            names = list(runs)
            shift = (start // batch) % len(names)
            for name in names[shift:] + names[:shift]:
                admits, reconciles = times[name]
                for i in range(start, min(start + batch, cycles)):
                    admit, reconcile = await runs[name](f"key:{i % keys}")
                    admits.append(admit / 1000)
                    reconciles.append(reconcile / 1000)
    finally:
        for limiter in limiters.values():
            if limiter is not None:
                await limiter.close()
    return times


@contextmanager
def _environ(name: str, value: str) -> Iterator[None]:
    before = os.environ.get(name)
    os.environ[name] = value
    try:
        yield
    finally:
        if before is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = before


def _launch_off(workdir: Path) -> Deployment:
    """A reference whose limiter admits everything without counting (the launched processes inherit the
    environment, ``EMPIRIO_CONFIG`` naming the ``[test]`` table)."""
    config = workdir / "limits-off.toml"
    config.write_text(OFF_CONFIG)
    with _environ("EMPIRIO_CONFIG", str(config)):
        return launch()


def _admin(deployment: Deployment, *args: str) -> dict[str, str]:
    out = subprocess.run([sys.executable, "-m", "gateway", "admin", *args], env=deployment.env,
                         cwd=deployment.workdir, capture_output=True, text=True, check=True)
    return dict(json.loads(out.stdout))


def _bench_key(deployment: Deployment) -> str:
    """A key of a new account whose window is :data:`BENCH_WINDOW` seconds."""
    account = _admin(deployment, "provision", "--name", "admission-bench", "--credits", "100000", "--label", "bench")
    _admin(deployment, "set-limits", "--account", account["account_id"], "--rpm", "1000000", "--tpm", str(10**12),
           "--window", str(BENCH_WINDOW))
    return account["api_key"]


class _Target:
    """One configuration's deployment, key and client; :meth:`send` times one request (ms) and notes how
    many admissions the account's window held (the limit minus what remains)."""

    def __init__(self, deployment: Deployment) -> None:
        self.url = deployment.base_url + "/v1/chat/completions"
        self.headers = {"authorization": f"Bearer {_bench_key(deployment)}"}
        self.client = httpx.Client(timeout=30)
        self.times: list[float] = []
        self.held: list[int] = []

    def send(self) -> float:
        started = time.perf_counter()
        response = self.client.post(self.url, json=BODY, headers=self.headers)
        elapsed = (time.perf_counter() - started) * 1000
        if response.status_code != 200:
            raise RuntimeError(f"{self.url} answered {response.status_code}: {response.text[:300]}")
        limit, remaining = (int(response.headers.get(f"x-ratelimit-{h}-requests", "0")) for h in ("limit", "remaining"))
        self.held.append(limit - remaining)
        return elapsed


def _end_to_end(deployments: dict[str, Deployment], requests: int) -> dict[str, _Target]:
    """Per configuration, its requests' times; one request to each per round, the order rotating."""
    targets = {name: _Target(deployment) for name, deployment in deployments.items()}
    try:
        for name, target in targets.items():
            for _ in range(WARMUP):
                target.send()
            if (target.held[-1] > 0) != (name != "off"):
                raise RuntimeError(f"the {name!r} deployment {'counts' if target.held[-1] else 'does not count'}")
            target.held.clear()
        names = list(targets)
        for i in range(requests):
            shift = i % len(names)
            for name in names[shift:] + names[:shift]:
                targets[name].times.append(targets[name].send())
    finally:
        for target in targets.values():
            target.client.close()
    return targets


def _micro_table(times: dict[str, tuple[list[float], list[float]]], cycles: int) -> list[str]:
    off = statistics.median([a + r for a, r in zip(*times["off"], strict=True)])
    head = f"  {'limiter':<10}{'admit p50':>11}{'admit p99':>11}{'reconcile p50':>15}{'reconcile p99':>15}"
    lines = [f"the limiter alone: {cycles} admit + reconcile cycles each, in µs", f"{head}{'cycle p50':>11}{'added':>9}"]
    for name, (admits, reconciles) in times.items():
        cycle = statistics.median([a + r for a, r in zip(admits, reconciles, strict=True)])
        added = "-" if name == "off" else f"{cycle - off:+.1f}"
        lines.append(f"  {name:<10}{statistics.median(admits):>11.1f}{p99(admits):>11.1f}"
                     f"{statistics.median(reconciles):>15.1f}{p99(reconciles):>15.1f}{cycle:>11.1f}{added:>9}")
    return lines


def _end_to_end_table(targets: dict[str, _Target], requests: int) -> list[str]:
    off50, off99 = statistics.median(targets["off"].times), p99(targets["off"].times)
    title = (f"through the gateway: {requests} non-streaming chat requests each, interleaved, in ms "
             f"(log: admissions in the account's {BENCH_WINDOW:g} s window, median)")
    head = f"  {'limits':<10}{'p50':>8}{'p99':>8}{'added p50':>11}{'added p99':>11}{'ratio p50':>11}"
    lines = [title, f"{head}{'ratio p99':>11}{'log':>6}"]
    for name, target in targets.items():
        p50, p99_ = statistics.median(target.times), p99(target.times)
        lines.append(f"  {name:<10}{p50:>8.2f}{p99_:>8.2f}{p50 - off50:>+11.3f}{p99_ - off99:>+11.3f}"
                     f"{p50 / off50:>10.3f}x{p99_ / off99:>10.3f}x{statistics.median(target.held):>6.0f}")
    return lines


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m loadtests.admission", description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=1000, help="end-to-end requests per configuration")
    parser.add_argument("--cycles", type=int, default=5000, help="limiter cycles per configuration")
    args = parser.parse_args(argv)
    started = time.monotonic()
    skipped = redis_unavailable()
    redis = None if skipped else RedisServer().start()
    deployments: dict[str, Deployment] = {}
    workdir = tempfile.TemporaryDirectory(prefix="empirio-admission-")
    try:
        micro = asyncio.run(_micro(args.cycles, redis.url if redis else ""))
        deployments["off"] = _launch_off(Path(workdir.name))
        deployments["embedded"] = launch()
        if redis is not None:
            deployments["redis"] = launch(redis_url=redis.url)
        through = _end_to_end(deployments, args.requests)
    finally:
        for deployment in deployments.values():
            deployment.stop()
        if redis is not None:
            redis.stop()
        workdir.cleanup()
    print(f"cost of admission on this machine ({os.cpu_count()} cores), {time.monotonic() - started:.0f} s")
    if skipped:
        print(f"redis: skipped ({skipped})")
    print("\n".join(_micro_table(micro, args.cycles)))
    print("\n".join(_end_to_end_table(through, args.requests)))


if __name__ == "__main__":
    main()
