"""The run-events WebSocket (``specs/asyncapi.yaml``, D-121 – D-125) over a live connection: every message
validated against the channel's AsyncAPI payloads, a run followed from ``run.queued`` to exactly one terminal
event that agrees with ``GET /v1/jobs/{id}``, a late subscriber still served, unknown and foreign runs
answered, and every documented way of presenting a key.

Runs are made as D-124 says: through ``--run-hook`` when given (the self-launched reference's
``/__test__/runs``: the lifecycle's timing is the test's), else as ``async: true`` image requests."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from suites.channel import ChannelContract, load_channels
from suites.checks import expect, fail, run_events
from suites.client import ApiClient
from suites.discovery import Discovery
from suites.jobs import JobPoller
from suites.plugin import Target
from suites.recorder import Recorder
from suites.ws import Closed, HandshakeRefused, RunEventsSocket, open_channel

IMAGES = "/v1/images/generations"
UNKNOWN = "job_NoSuchRunAtAll0123456789"
PHASE = 0.6
"""Seconds a hook run stays queued, then running."""
QUIET = 0.7
"""Seconds of quiet after a terminal event within which nothing more may come."""


@pytest.fixture(scope="module")
def channels() -> ChannelContract:
    return load_channels()


@pytest.fixture
def connect(target: Target, channels: ChannelContract, recorder: Recorder) -> Iterator[Any]:
    opened: list[RunEventsSocket] = []

    def connect(*, headers: dict[str, str] | None = None, subprotocols: tuple[str, ...] = ()) -> RunEventsSocket:
        try:
            socket = open_channel(target.ws_url, channels, recorder, headers=headers, subprotocols=subprotocols)
        except HandshakeRefused as refused:
            fail(run_events.AUTH, f"an upgrade to {target.ws_url} answered after it, got {refused}")
            pytest.skip(f"{target.ws_url} refused the upgrade ({refused}); the docs say nothing of a refusal "
                        "(D-122, --rules all)")
        except OSError as exc:
            pytest.fail(f"cannot connect to {target.ws_url}: {exc}")
        opened.append(socket)
        return socket

    yield connect
    for socket in opened:
        socket.close()


def _bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def _image_run(api: ApiClient, discovery: Discovery, key: str | None, prompt: str) -> dict[str, Any]:
    models = discovery.serving(IMAGES)
    if not models:
        pytest.skip(discovery.lacks_field("available model serving /v1/images/generations (or --run-hook)",
                                          "endpoints"))
    response = api.post(IMAGES, json={"model": models[0]["id"], "prompt": prompt, "async": True}, key=key)
    if response.status_code != 202:
        pytest.fail(f"an async image request (a run, D-124) answered {response.status_code}: {response.text[:200]}")
    body: dict[str, Any] = response.json()
    return body


def _run(target: Target, api: ApiClient, discovery: Discovery, *, outcome: str = "completed",
         key: str | None = None) -> tuple[dict[str, Any], bool]:
    """A new run of ``key``'s account (the session's by default), and whether its timing is the test's (a hook
    run stays queued for :data:`PHASE` seconds)."""
    key = key or target.api_key
    if target.run_hook:
        response = httpx.post(target.run_hook, json={"outcome": outcome, "delay": PHASE}, headers=_bearer(key),
                              timeout=30)
        if response.status_code != 202:
            pytest.fail(f"--run-hook answered {response.status_code}: {response.text[:200]}")
        return response.json(), True
    if outcome == "failed":
        if not target.mock_upstreams:
            pytest.skip("a failing run needs --run-hook or --mock-upstreams (a [[mock:status:500]] image)")
        return _image_run(api, discovery, key, "a failing harbour [[mock:status:500]]"), False
    prompt = "a harbour at night [[mock:fault=latency:300ms]]" if target.mock_upstreams else "a harbour at night"
    return _image_run(api, discovery, key, prompt), False


def _follow(socket: RunEventsSocket, run_id: str, wait: float) -> list[dict[str, Any]]:
    """Everything received until the run's terminal event (each message within ``wait`` s of the last: the
    job timeout, ``--job-timeout``), and then for :data:`QUIET` seconds."""
    got = socket.collect(lambda seen: run_events.terminal(seen, run_id), wait)
    return got + socket.collect(lambda seen: False, QUIET)


def _follows_to_the_end(target: Target, api: ApiClient, discovery: Discovery, connect: Any, job_poller: JobPoller,
                        outcome: str) -> None:
    accepted, timed = _run(target, api, discovery, outcome=outcome)
    run_id = accepted["job_id"]
    socket = connect(headers=_bearer(target.api_key))
    socket.subscribe(run_id)
    messages = _follow(socket, run_id, job_poller.timeout)
    expect(run_events.ORDER, bool(messages) and messages[0].get("type") == "subscribed", "subscribed first",
           [m.get("type") for m in messages[:3]])
    last = run_events.in_order(messages, run_id, first="run.queued" if timed else None)
    expect(run_events.ORDER, last.get("type") == f"run.{outcome}", f"run.{outcome}", last.get("type"))
    run_events.agrees(last, job_poller.until_done(run_id))


@pytest.mark.rule(run_events.MESSAGES, run_events.ORDER, run_events.AGREES)
def test_a_run_is_followed_from_queued_to_one_terminal_event(target: Target, api: ApiClient, discovery: Discovery,
                                                             connect: Any, job_poller: JobPoller) -> None:
    _follows_to_the_end(target, api, discovery, connect, job_poller, "completed")


@pytest.mark.rule(run_events.MESSAGES, run_events.ORDER, run_events.AGREES)
def test_a_failed_run_ends_with_run_failed(target: Target, api: ApiClient, discovery: Discovery,
                                           connect: Any, job_poller: JobPoller) -> None:
    _follows_to_the_end(target, api, discovery, connect, job_poller, "failed")


@pytest.mark.rule(run_events.MESSAGES, run_events.LATE, run_events.AGREES)
def test_a_late_subscriber_gets_the_terminal_event(target: Target, api: ApiClient, discovery: Discovery,
                                                   connect: Any, job_poller: JobPoller) -> None:
    accepted, _ = _run(target, api, discovery)
    job = job_poller.until_done(accepted["job_id"])
    socket = connect(headers=_bearer(target.api_key))
    socket.subscribe(accepted["job_id"], docs_form=True)
    messages = _follow(socket, accepted["job_id"], job_poller.timeout)
    events = run_events.run_messages(messages, accepted["job_id"])
    expect(run_events.LATE, [e.get("type") for e in events] == [f"run.{job['status']}"],
           f"the terminal event run.{job['status']} alone", [e.get("type") for e in events])
    run_events.agrees(events[0], job)


@pytest.mark.rule(run_events.MESSAGES, run_events.NOT_FOUND)
def test_unknown_and_foreign_runs_get_an_error(target: Target, api: ApiClient, discovery: Discovery,
                                               connect: Any, other_account_key: str) -> None:
    foreign, _ = _run(target, api, discovery, key=other_account_key)
    socket = connect(headers=_bearer(target.api_key))
    socket.subscribe(UNKNOWN, foreign["job_id"])
    messages = socket.collect(lambda seen: False, QUIET + PHASE * 2)
    run_events.not_found(messages, UNKNOWN)
    run_events.not_found(messages, foreign["job_id"])


@pytest.mark.rule(run_events.MESSAGES, run_events.AUTH)
def test_both_key_headers_and_the_browser_subprotocol_authenticate(target: Target, connect: Any) -> None:
    key = target.api_key
    ways: dict[str, dict[str, Any]] = {
        "Authorization: Bearer": {"headers": _bearer(key)},
        "x-api-key": {"headers": {"x-api-key": key}},
        "the subprotocols empiriolabs.v1, bearer.<key>": {"subprotocols": ("empiriolabs.v1", f"bearer.{key}")},
    }
    for how, options in ways.items():
        socket = connect(**options)
        if options.get("subprotocols"):
            expect(run_events.AUTH, socket.subprotocol == "empiriolabs.v1", "empiriolabs.v1 selected",
                   "the key's entry" if str(socket.subprotocol).startswith("bearer.") else socket.subprotocol)
        socket.subscribe(UNKNOWN)
        run_events.authenticated(socket.collect(lambda seen: len(seen) >= 2, 5.0), how)


@pytest.mark.rule(run_events.MESSAGES, run_events.REFUSED)
def test_a_bad_or_missing_key_is_refused(target: Target, connect: Any) -> None:
    bad = "sk-empiriolabs-" + "0" * 40
    ways: dict[str, tuple[dict[str, Any], str]] = {
        "a bad key in Authorization: Bearer": ({"headers": _bearer(bad)}, "invalid_api_key"),
        "a bad key as bearer.<key>": ({"subprotocols": ("empiriolabs.v1", f"bearer.{bad}")}, "invalid_api_key"),
        "no key": ({}, "missing_api_key"),
    }
    for how, (options, code) in ways.items():
        socket = connect(**options)
        before = len(socket.received)
        closed: Closed | None = socket.wait_closed(10.0)
        run_events.refused(socket.received[before:], closed.code if closed else None, code, how)
