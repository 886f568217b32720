"""``python -m loadtests.bench``: see :mod:`loadtests.bench`.

    python -m loadtests.bench [--seconds 6] [--connections 1,16,64] [--sustained 300] [--peers litellm]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from loadtests.bench import targets as servers
from loadtests.bench import wrk
from loadtests.bench.report import Results, Sustained
from loadtests.bench.ttft import median_ttft_ms

BODY = {"model": servers.MODEL, "messages": [{"role": "user", "content": "Say hello."}], "max_tokens": 64}
MODES = {"non-stream": BODY, "stream": {**BODY, "stream": True}}


def rss_mb(pid: int | None) -> float:
    """The resident memory of process ``pid`` (Linux), in MiB; 0 when unknown."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except (OSError, TypeError):
        return 0.0
    line = next((ln for ln in status.splitlines() if ln.startswith("VmRSS:")), "VmRSS: 0 kB")
    return int(line.split()[1]) / 1024


def measure_points(started: servers.Targets, results: Results, connections: list[int], seconds: float) -> None:
    for target in started.targets:  # warm every server (connection pools, caches) before measuring any
        wrk.run(target.name, "warm-up", target.url, BODY, 4, 2, target.api_key)
    for mode, body in MODES.items():
        for conns in connections:
            for target in started.targets:
                point = wrk.run(target.name, mode, target.url, body, conns, seconds, target.api_key)
                results.points.append(point)
                print(f"  {mode:<10} c{conns:<3} {target.name:<10} {point.rps:>9,.0f} req/s  p50 {point.p50_ms:.2f} ms"
                      f"  p99 {point.p99_ms:.2f} ms", flush=True)


def measure_sustained(target: servers.Target, seconds: float, slice_seconds: float) -> Sustained:
    run = Sustained(connections=16, slice_seconds=slice_seconds)
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        point = wrk.run(target.name, "non-stream", target.url, BODY, run.connections, slice_seconds, target.api_key)
        run.rps.append(point.rps)
        run.rss_mb.append(round(rss_mb(target.pid), 1))
        print(f"  slice {len(run.rps):>3}: {point.rps:>9,.0f} req/s  p99 {point.p99_ms:.2f} ms  "
              f"gateway RSS {run.rss_mb[-1]:.1f} MiB", flush=True)
    return run


def measure_workers(started: servers.Targets, workers: int, seconds: float) -> float:
    """Requests/s at 16 connections through a gateway of ``workers`` processes on a private Redis and
    PostgreSQL (the shared state several workers need, D-206)."""
    upstream = started.by_name("upstream").url.removesuffix("/v1/chat/completions")
    deployment, target = servers.start_gateway(upstream, workers=workers, shared=True)
    try:
        wrk.run(target.name, "warm-up", target.url, BODY, 4, 2, target.api_key)
        point = wrk.run(f"gateway x{workers}", "non-stream", target.url, BODY, 16, seconds, target.api_key)
    finally:
        deployment.stop()
    print(f"  {workers} worker(s) on Redis + PostgreSQL: {point.rps:,.0f} req/s  p50 {point.p50_ms:.2f} ms", flush=True)
    return point.rps


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m loadtests.bench", description=__doc__)
    parser.add_argument("--seconds", type=float, default=6.0, help="length of each load point")
    parser.add_argument("--connections", default="1,16,64", help="comma-separated connection counts")
    parser.add_argument("--ttft-requests", type=int, default=200)
    parser.add_argument("--sustained", type=float, default=300.0, help="seconds of the sustained run (0: none)")
    parser.add_argument("--slice", type=float, default=10.0, help="seconds per slice of the sustained run")
    parser.add_argument("--peers", default="", help="comma-separated peer gateways to measure too (litellm)")
    parser.add_argument("--workers", default="", help="worker counts to compare on Redis + PostgreSQL, e.g. 1,2")
    parser.add_argument("--reports", default="reports")
    args = parser.parse_args(argv)
    connections = [int(c) for c in args.connections.split(",") if c.strip()]
    peers = [p.strip() for p in args.peers.split(",") if p.strip()]
    results = Results(peers=peers)
    try:
        started = servers.start(peers=peers)
    except wrk.WrkMissing as error:
        print(f"bench: {error}", file=sys.stderr)
        return 2
    try:
        print(f"load points: wrk, one thread, {args.seconds:g} s each", flush=True)
        measure_points(started, results, connections, args.seconds)
        print(f"time to first token: {args.ttft_requests} streamed requests, one at a time", flush=True)
        for target in started.targets:
            results.ttft_ms[target.name] = round(
                median_ttft_ms(target.url, target.api_key, MODES["stream"], args.ttft_requests), 3)
        if args.sustained > 0:
            print(f"sustained: {args.sustained:g} s through the gateway at 16 connections, {args.slice:g} s slices",
                  flush=True)
            results.sustained = measure_sustained(started.by_name("gateway"), args.sustained, args.slice)
        for count in [int(w) for w in args.workers.split(",") if w.strip()]:
            results.workers[count] = measure_workers(started, count, args.seconds)
    finally:
        started.stop()
    print()
    print(results.table())
    print()
    for verdict in results.verdicts():
        mark = "not measured" if verdict.met is None else ("met" if verdict.met else "MISSED")
        print(f"  [{mark}] {verdict.name}: {verdict.measured}")
    data, chart = results.write(Path(args.reports))
    print(f"\nwrote {data} and {chart}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
