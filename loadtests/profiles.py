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
from locust.runners import MasterRunner, WorkerRunner

from loadtests.discovery import CHAT_PATH, chat_body, cheapest_model, estimate, keys_from, probe, sample_of
from loadtests.samples import Sample, windows
from loadtests.verdict import Latency, Thresholds, judge

__all__ = ["PROFILES", "GatewayUser"]

PROFILES = ("steady", "burst", "tpm", "multikey", "multiaccount")
OVER_THE_LIMIT = ("burst", "tpm", "multikey")
"""The profiles that expect 429s (a Locust success there, D-166)."""
SAMPLE = "empirio_sample"
STOP = "empirio_stop"
DRAINED = "empirio_drained"
DRAIN_TIMEOUT = 65.0
DOCUMENTED_TPM = 2_000_000

_samples: list[Sample] = []
_drained: set[str] = set()


class _Traffic:
    """This process's users: whether they still send, and how many requests are in flight."""

    stopping = False
    in_flight = 0


def _options(parser: LocustArgumentParser) -> None:
    parser.add_argument("--load-profile", dest="load_profile", choices=PROFILES, default="burst",
                        help="which profile runs (Locust's own --profile is a configuration profile)")
    parser.add_argument("--api-key", default="", env_var="EMPIRIO_API_KEY", is_secret=True,
                        help="key(s), comma-separated (multikey: of one account; multiaccount: one per account)")
    parser.add_argument("--key-file", default="", env_var="EMPIRIO_KEY_FILE", help="more keys, one a line")
    parser.add_argument("--model", default="", env_var="EMPIRIO_LOAD_MODEL",
                        help="chat model (default: the cheapest available one in GET /v1/models)")
    parser.add_argument("--rpm", type=int, default=0, help="request limit (default: x-ratelimit-limit-requests)")
    parser.add_argument("--tpm", type=int, default=0, help="token limit (default: x-ratelimit-limit-tokens)")
    parser.add_argument("--window", type=float, default=60.0, help="the limiter's window in seconds")
    parser.add_argument("--duration", type=float, default=10.0, help="seconds the profile sends requests")
    parser.add_argument("--max-requests", type=int, default=2000, help="requests after which the run stops")
    parser.add_argument("--load", type=float, default=0.5,
                        help="steady, multiaccount: the share of each limit offered per window")
    parser.add_argument("--backoff", type=float, default=1.0,
                        help="seconds a user waits after a 429")
    parser.add_argument("--max-error-rate", type=float, default=0.0, help="multiaccount: errors allowed (0-1)")
    parser.add_argument("--max-p95-ms", type=float, default=2000.0, help="multiaccount: the p95 allowed")
    parser.add_argument("--instance-urls", default="", env_var="EMPIRIO_INSTANCE_URLS",
                        help="the deployment's other instances (comma-separated): requests alternate between "
                             "--host and these, so one limit is judged across them")


class Unplannable(Exception):
    """The run cannot start (no key, no limit reported…); the message says what to pass."""


def _plan(environment: Environment) -> dict[str, Any]:
    """Keys, model, limits and pacing, decided once by the master (or the local runner)."""
    options = environment.parsed_options
    assert options is not None and environment.host
    keys = keys_from(options.api_key, options.key_file)
    if not keys:
        raise Unplannable("no API key: pass --api-key, EMPIRIO_API_KEY or --key-file")
    if options.load_profile in ("multikey", "multiaccount") and len(keys) < 2:
        raise Unplannable(f"the {options.load_profile} profile needs several keys (--api-key K1,K2 or --key-file)")
    keys = keys if options.load_profile in ("multikey", "multiaccount") else keys[:1]
    with httpx.Client(base_url=environment.host, timeout=30) as client:
        model: dict[str, Any] = {"id": options.model} if options.model else cheapest_model(client, keys[0])
        probes = [probe(client, key, index, model["id"]) for index, key in enumerate(keys)]
    _samples.extend(probes)
    rpm = options.rpm or min((p.limit_requests for p in probes if p.limit_requests), default=0)
    if not rpm:
        raise Unplannable("the deployment reports no x-ratelimit-limit-requests: pass --rpm")
    tpm = options.tpm or min((p.limit_tokens for p in probes if p.limit_tokens), default=DOCUMENTED_TPM)
    users = max(1, int(options.num_users or 1))
    rate = options.load * rpm / options.window * (len(keys) if options.load_profile == "multiaccount" else 1)
    heavy = math.ceil(2 * tpm / rpm)
    room = int(model.get("context_window") or heavy + 64) - 64
    body = chat_body(model["id"], 16, min(heavy, room) if options.load_profile == "tpm" else 0)
    paced = options.load_profile in ("steady", "multiaccount")
    return {"profile": options.load_profile, "keys": keys, "rpm": rpm, "tpm": tpm, "body": body,
            "tokens": estimate(body), "pace": users / rate if paced else 0, "backoff": options.backoff,
            "window": options.window, "hosts": _hosts(environment.host, options.instance_urls)}


def _hosts(host: str, instance_urls: str) -> list[str]:
    """Every instance's base URL, ``host`` first."""
    return [host.rstrip("/"), *(u.strip().rstrip("/") for u in instance_urls.split(",") if u.strip())]


def _on_init(environment: Environment, **_: Any) -> None:
    runner = environment.runner
    if isinstance(runner, WorkerRunner):
        runner.register_message(STOP, _stop_sending)
    elif runner is not None:
        runner.register_message(SAMPLE, _receive)
        runner.register_message(DRAINED, _receive_drained)


def _receive(environment: Environment, msg: Message, **_: Any) -> None:
    _samples.append(Sample.from_json(msg.data))


def _receive_drained(environment: Environment, msg: Message, **_: Any) -> None:
    _drained.add(str(msg.node_id))


def _drain() -> None:
    _Traffic.stopping = True
    deadline = time.monotonic() + DRAIN_TIMEOUT
    while _Traffic.in_flight and time.monotonic() < deadline:
        gevent.sleep(0.05)


def _stop_sending(environment: Environment, msg: Message, **_: Any) -> None:
    """A worker told to stop: no new request; once those in flight are answered (their samples sent), it
    says so to the master."""

    def drain_then_report() -> None:
        _drain()
        runner = environment.runner
        assert runner is not None
        runner.send_message(DRAINED, None)

    gevent.spawn(drain_then_report)


def _on_start(environment: Environment, **_: Any) -> None:
    if isinstance(environment.runner, WorkerRunner):
        return
    options = environment.parsed_options
    assert options is not None
    _samples.clear()
    _drained.clear()
    _Traffic.stopping = False
    try:
        plan = _plan(environment)
    except (Unplannable, httpx.HTTPError, RuntimeError, OSError) as problem:
        plan = {"profile": options.load_profile, "error": str(problem) or type(problem).__name__}
    options.empirio_plan = json.dumps(plan)
    duration = 0.0 if "error" in plan else options.duration
    gevent.spawn(_stop_when_done, environment, time.monotonic() + duration, options.max_requests)


def _stop_when_done(environment: Environment, deadline: float, max_requests: int) -> None:
    while time.monotonic() < deadline and len(_samples) < max_requests:
        gevent.sleep(0.1)
    runner = environment.runner
    assert runner is not None
    if isinstance(runner, MasterRunner):
        workers = runner.worker_count
        runner.send_message(STOP, None)
        deadline = time.monotonic() + DRAIN_TIMEOUT
        while len(_drained) < workers and time.monotonic() < deadline:
            gevent.sleep(0.05)
    else:
        _drain()
    runner.quit()


def _on_quitting(environment: Environment, **_: Any) -> None:
    if isinstance(environment.runner, WorkerRunner) or environment.parsed_options is None:
        return
    options = environment.parsed_options
    plan = json.loads(getattr(options, "empirio_plan", "{}") or "{}")
    if not plan or "error" in plan:
        print(f"empirio {options.load_profile} FAILED: {plan.get('error', 'the run never started')}", flush=True)
        environment.process_exit_code = 1
        return
    total = environment.stats.total
    latency = Latency(total.get_response_time_percentile(0.5), total.get_response_time_percentile(0.95),
                      total.get_response_time_percentile(0.99), _throughput(_samples))
    thresholds = Thresholds(plan["rpm"], plan["tpm"], options.window, options.max_error_rate, options.max_p95_ms)
    failures = judge(plan["profile"], list(_samples), thresholds, latency)
    _report(plan, latency, failures)
    environment.process_exit_code = 1 if failures else 0


def _throughput(samples: list[Sample]) -> float:
    """Answers per second over the run, from the first send to the last answer."""
    if not samples:
        return 0.0
    return len(samples) / max(1e-9, max(s.received for s in samples) - min(s.sent for s in samples))


def _report(plan: dict[str, Any], latency: Latency, failures: list[str]) -> None:
    statuses: dict[int, int] = {}
    for s in _samples:
        statuses[s.status] = statuses.get(s.status, 0) + 1
    print(f"empirio {plan['profile']}: {len(_samples)} requests {dict(sorted(statuses.items()))}, "
          f"limit {plan['rpm']} requests / {plan['tpm']} tokens per window, model {plan['body']['model']}; "
          f"p50 {latency.p50:.0f} ms, p95 {latency.p95:.0f} ms, p99 {latency.p99:.0f} ms, "
          f"{latency.requests_per_second:.1f} requests/s", flush=True)
    if plan["profile"] in OVER_THE_LIMIT and _samples:
        cut = windows(list(_samples), plan["window"], max(s.sent for s in _samples))
        print(f"empirio {plan['profile']} windows of {plan['window']:g} s (admitted/refused): "
              + ", ".join(f"{w.admitted}/{w.refused}{'' if w.complete else ' (partial)'}" for w in cut), flush=True)
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
        self.refused = False
        if "error" in self.plan:
            _Traffic.stopping = True
            return
        self.turn = random.randrange(len(self.plan["keys"]))
        self.last_started = time.monotonic()
        if self.plan["pace"]:
            gevent.sleep(random.uniform(0, float(self.plan["pace"])))

    def wait_time(self) -> float:
        if _Traffic.stopping:
            return 1.0
        if self.plan["pace"]:
            return max(0.0, self.last_started + float(self.plan["pace"]) - time.monotonic())
        return float(self.plan["backoff"]) if self.refused else 0.0

    @task
    def chat(self) -> None:
        if _Traffic.stopping:
            return
        _Traffic.in_flight += 1
        try:
            self._chat()
        finally:
            _Traffic.in_flight -= 1

    def _chat(self) -> None:
        index = self.turn % len(self.plan["keys"])
        self.turn += 1
        self.last_started = time.monotonic()
        sent = time.time()
        headers = {"authorization": f"Bearer {self.plan['keys'][index]}"}
        hosts = self.plan["hosts"]
        url = hosts[self.turn % len(hosts)] + CHAT_PATH
        with self.client.post(url, json=self.plan["body"], headers=headers, catch_response=True,
                              timeout=60, name=CHAT_PATH) as answer:
            received = time.time()
            self.refused = answer.status_code == 429
            if answer.status_code == 200 or (self.refused and self.plan["profile"] in OVER_THE_LIMIT):
                answer.success()
            else:
                answer.failure(f"status {answer.status_code}" if answer.status_code else repr(answer.error))
        sample = sample_of(sent, received, answer.status_code, answer.headers, index, self.plan["tokens"])
        runner = self.environment.runner
        assert runner is not None
        runner.send_message(SAMPLE, sample.to_json())
