"""The locustfile: rate-limit and latency profiles of an EmpirioLabs gateway, each ending in pass/fail
thresholds that set Locust's exit code (D-159 … D-166).

    locust -f loadtests/profiles.py --headless --load-profile burst --host URL --api-key KEY \\
        --html reports/locust/burst.html

Profiles: ``steady`` (under the limit: no 429), ``burst`` (over the request limit: each window admits
exactly the limit), ``tpm`` (token-heavy requests: the token limit binds first), ``multikey`` (keys of one
account share its budget), ``multiaccount`` (one key per account, each under its limit: error rate and
p95). In distributed mode (``--master``/``--worker``) the master plans the run (model, limits, pacing),
collects every answer the workers saw as ``empirio_sample`` messages and judges them at the end.
"""

from __future__ import annotations

import json
import math
import random
import time
from typing import Any

import gevent
import httpx
from locust import HttpUser, events, task
from locust.argument_parser import LocustArgumentParser
from locust.env import Environment
from locust.rpc import Message
from locust.runners import WorkerRunner

from loadtests.discovery import CHAT_PATH, chat_body, cheapest_model, estimate, keys_from, probe, sample_of
from loadtests.samples import Sample
from loadtests.verdict import Latency, Thresholds, judge

__all__ = ["PROFILES", "GatewayUser"]

PROFILES = ("steady", "burst", "tpm", "multikey", "multiaccount")
SAMPLE = "empirio_sample"
DOCUMENTED_TPM = 2_000_000
STOP_GRACE = 1.0

_samples: list[Sample] = []


def _options(parser: LocustArgumentParser) -> None:
    parser.add_argument("--load-profile", dest="load_profile", choices=PROFILES, default="burst", help="which profile runs")
    parser.add_argument("--api-key", default="", env_var="EMPIRIO_API_KEY", is_secret=True,
                        help="key(s), comma-separated (multikey: of one account; multiaccount: one per account)")
    parser.add_argument("--key-file", default="", env_var="EMPIRIO_KEY_FILE", help="more keys, one a line")
    parser.add_argument("--model", default="", env_var="EMPIRIO_LOAD_MODEL",
                        help="chat model (default: the cheapest available one in GET /v1/models)")
    parser.add_argument("--rpm", type=int, default=0, help="request limit (default: x-ratelimit-limit-requests)")
    parser.add_argument("--tpm", type=int, default=0, help="token limit (default: x-ratelimit-limit-tokens)")
    parser.add_argument("--window", type=float, default=60.0, help="the limiter's window in seconds")
    parser.add_argument("--duration", type=float, default=10.0, help="seconds the profile sends requests")
    parser.add_argument("--max-requests", type=int, default=1000, help="requests after which the run stops")
    parser.add_argument("--load", type=float, default=0.5,
                        help="steady, multiaccount: the share of each limit offered per window")
    parser.add_argument("--backoff", type=float, default=0.0,
                        help="seconds a user waits after a 429 (default: a twentieth of the window)")
    parser.add_argument("--max-error-rate", type=float, default=0.0, help="multiaccount: errors allowed (0-1)")
    parser.add_argument("--max-p95-ms", type=float, default=2000.0, help="multiaccount: the p95 allowed")


def _plan(environment: Environment) -> dict[str, Any]:
    """Keys, model, limits and pacing, decided once by the master (or the local runner)."""
    options = environment.parsed_options
    assert options is not None and environment.host
    keys = keys_from(options.api_key, options.key_file)
    if not keys:
        raise SystemExit("no API key: pass --api-key, EMPIRIO_API_KEY or --key-file")
    if options.load_profile in ("multikey", "multiaccount") and len(keys) < 2:
        raise SystemExit(f"the {options.load_profile} profile needs several keys (--api-key K1,K2 or --key-file)")
    keys = keys if options.load_profile in ("multikey", "multiaccount") else keys[:1]
    with httpx.Client(base_url=environment.host, timeout=30) as client:
        model: dict[str, Any] = {"id": options.model} if options.model else cheapest_model(client, keys[0])
        probes = [probe(client, key, index, model["id"]) for index, key in enumerate(keys)]
    _samples.extend(probes)
    rpm = options.rpm or min((p.limit_requests for p in probes if p.limit_requests), default=0)
    if not rpm:
        raise SystemExit("the deployment reports no x-ratelimit-limit-requests: pass --rpm")
    tpm = options.tpm or min((p.limit_tokens for p in probes if p.limit_tokens), default=DOCUMENTED_TPM)
    users = max(1, int(options.num_users or 1))
    rate = options.load * rpm / options.window * (len(keys) if options.load_profile == "multiaccount" else 1)
    heavy = math.ceil(2 * tpm / rpm)
    ceiling = model.get("max_output_tokens") or heavy
    body = chat_body(model["id"], min(heavy, int(ceiling)), max(0, heavy - int(ceiling)))
    if options.load_profile != "tpm":
        body = chat_body(model["id"], 16)
    return {"profile": options.load_profile, "keys": keys, "rpm": rpm, "tpm": tpm, "body": body,
            "tokens": estimate(body), "pace": users / rate if options.load_profile in ("steady", "multiaccount") else 0,
            "backoff": options.backoff or options.window / 20}


def _on_init(environment: Environment, **_: Any) -> None:
    if environment.runner is not None and not isinstance(environment.runner, WorkerRunner):
        environment.runner.register_message(SAMPLE, _receive)


def _receive(environment: Environment, msg: Message, **_: Any) -> None:
    _samples.append(Sample.from_json(msg.data))


def _on_start(environment: Environment, **_: Any) -> None:
    if isinstance(environment.runner, WorkerRunner):
        return
    options = environment.parsed_options
    assert options is not None
    _samples.clear()
    options.empirio_plan = json.dumps(_plan(environment))
    environment.stop_timeout = max(environment.stop_timeout or 0.0, 30.0)
    gevent.spawn(_stop_when_done, environment, time.monotonic() + options.duration, options.max_requests)


def _stop_when_done(environment: Environment, deadline: float, max_requests: int) -> None:
    while time.monotonic() < deadline and len(_samples) < max_requests:
        gevent.sleep(0.1)
    runner = environment.runner
    assert runner is not None
    runner.stop()
    gevent.sleep(STOP_GRACE)
    runner.quit()


def _on_quitting(environment: Environment, **_: Any) -> None:
    if isinstance(environment.runner, WorkerRunner) or environment.parsed_options is None:
        return
    options = environment.parsed_options
    plan = json.loads(getattr(options, "empirio_plan", "{}") or "{}")
    if not plan:
        environment.process_exit_code = 1
        return
    total = environment.stats.total
    elapsed = max(1e-9, (total.last_request_timestamp or time.time()) - total.start_time)
    latency = Latency(total.get_response_time_percentile(0.5), total.get_response_time_percentile(0.95),
                      total.get_response_time_percentile(0.99), total.num_requests / elapsed)
    thresholds = Thresholds(plan["rpm"], plan["tpm"], options.window, options.max_error_rate, options.max_p95_ms)
    failures = judge(plan["profile"], list(_samples), thresholds, latency)
    _report(plan, latency, failures)
    environment.process_exit_code = 1 if failures else 0


def _report(plan: dict[str, Any], latency: Latency, failures: list[str]) -> None:
    statuses: dict[int, int] = {}
    for s in _samples:
        statuses[s.status] = statuses.get(s.status, 0) + 1
    print(f"empirio {plan['profile']}: {len(_samples)} requests {dict(sorted(statuses.items()))}, "
          f"limit {plan['rpm']} requests / {plan['tpm']} tokens per window, model {plan['body']['model']}; "
          f"p50 {latency.p50:.0f} ms, p95 {latency.p95:.0f} ms, p99 {latency.p99:.0f} ms, "
          f"{latency.requests_per_second:.1f} requests/s", flush=True)
    for failure in failures:
        print(f"empirio {plan['profile']} FAILED: {failure}", flush=True)
    if not failures:
        print(f"empirio {plan['profile']} PASSED", flush=True)


_HOOKS: tuple[tuple[Any, Any], ...] = ((events.init_command_line_parser, _options), (events.init, _on_init),
                                      (events.test_start, _on_start), (events.quitting, _on_quitting))
for _hook, _listener in _HOOKS:
    _hook.add_listener(_listener)


class GatewayUser(HttpUser):
    """Sends the profile's chat request with its keys in turn: paced under the limit (``steady``,
    ``multiaccount``) or back to back, waiting ``backoff`` after a 429 (the others)."""

    def on_start(self) -> None:
        options = self.environment.parsed_options
        assert options is not None
        self.plan: dict[str, Any] = json.loads(options.empirio_plan)
        self.turn = random.randrange(len(self.plan["keys"]))
        self.last_started = time.monotonic()
        self.refused = False

    def wait_time(self) -> float:
        if self.plan["pace"]:
            return max(0.0, self.last_started + float(self.plan["pace"]) - time.monotonic())
        return float(self.plan["backoff"]) if self.refused else 0.0

    @task
    def chat(self) -> None:
        index = self.turn % len(self.plan["keys"])
        self.turn += 1
        self.last_started = time.monotonic()
        sent = time.time()
        headers = {"authorization": f"Bearer {self.plan['keys'][index]}"}
        with self.client.post(CHAT_PATH, json=self.plan["body"], headers=headers, catch_response=True,
                              timeout=60, name=CHAT_PATH) as answer:
            received = time.time()
            self.refused = answer.status_code == 429
            if answer.status_code == 200 or (self.refused and self.plan["profile"] in ("burst", "tpm", "multikey")):
                answer.success()
            else:
                answer.failure(f"{answer.status_code}")
        sample = sample_of(sent, received, answer.status_code, answer.headers, index, self.plan["tokens"])
        runner = self.environment.runner
        assert runner is not None
        runner.send_message(SAMPLE, sample.to_json())
