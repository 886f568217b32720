"""Time to first token: the reference gateway against its upstream, measured on this machine.

Starts the reference deployment (gateway + mocks) locally, then streams the same chat request N times
straight to the OpenAI-compatible mock and N times through the gateway, and reports the medians, the
difference and the ratio. A benchmark, not a test: it prints numbers and never fails on them.

    .venv/bin/python loadtests/ttft.py [--requests 50]
"""

from __future__ import annotations

import argparse
import statistics
import time

import httpx

from suites.launcher import launch

BODY = {"model": "qwen3-max", "stream": True, "messages": [{"role": "user", "content": "Benchmark [[mock:chunk=1]]"}]}


def first_token_seconds(client: httpx.Client, url: str, headers: dict[str, str], body: dict[str, object]) -> float:
    started = time.perf_counter()
    with client.stream("POST", url, headers=headers, json=body) as response:
        response.raise_for_status()
        lines = response.iter_lines()
        for line in lines:
            if line.startswith("data:") and '"content"' in line:
                elapsed = time.perf_counter() - started
                for _ in lines:
                    pass
                return elapsed
    raise RuntimeError("no content chunk")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=50)
    args = parser.parse_args()
    deployment = launch()
    try:
        with httpx.Client(timeout=30) as client:
            direct_url = deployment.upstreams["openai"] + "/v1/chat/completions"
            direct_body = {**BODY, "model": "qwen3-max"}
            gateway_headers = {"authorization": f"Bearer {deployment.api_key}"}
            for _ in range(5):
                first_token_seconds(client, direct_url, {"authorization": "Bearer x"}, direct_body)
                first_token_seconds(client, deployment.base_url + "/v1/chat/completions", gateway_headers, BODY)
            direct = [first_token_seconds(client, direct_url, {"authorization": "Bearer x"}, direct_body)
                      for _ in range(args.requests)]
            through = [first_token_seconds(client, deployment.base_url + "/v1/chat/completions", gateway_headers, BODY)
                       for _ in range(args.requests)]
    finally:
        deployment.stop()
    d, g = statistics.median(direct) * 1000, statistics.median(through) * 1000
    print(f"time to first token, median of {args.requests}: upstream {d:.2f} ms, through the gateway {g:.2f} ms")
    print(f"gateway overhead {g - d:.2f} ms, ratio {g / d:.2f}x")


if __name__ == "__main__":
    main()
