"""Hostile clients at the transport (``-m hostile``): heads too large, heads and bodies trickled or stopped,
idle connections, bytes that are not HTTP/1.1, and an upstream that hangs.

Raw sockets (:mod:`suites.rawhttp`), a handful of connections per test, run side by side so each test
takes about one limit's time. Every answer must not be a 5xx and the connection must not be held past the
operator's bound (``--slow-client-bound``, ``--upstream-timeout``); the decided answers (431, 408, 400
``malformed_http`` in the envelope, then closed: D-70, D-71, D-73; a hung upstream's 502, D-72) are checked
under ``--rules all``; and the deployment must still serve a valid request afterwards.
"""

from __future__ import annotations

import json
import select
import socket
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from suites import rawhttp
from suites.checks import expect
from suites.checks.transport import bounded, envelope_for, in_envelope, no_5xx, refused_or_closed
from suites.client import ApiClient
from suites.contract import Contract
from suites.discovery import Discovery
from suites.drivers import DRIVERS
from suites.hostile import Hostile

SLACK = 2.0
"""Seconds past the bound a read waits, so a late answer is reported as late rather than as nothing."""


def _side_by_side(calls: dict[str, Callable[[], rawhttp.RawResponse]]) -> dict[str, rawhttp.RawResponse]:
    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        futures = {label: pool.submit(call) for label, call in calls.items()}
        return {label: future.result() for label, future in futures.items()}


def _trickle(base_url: str, pieces: list[bytes], pause: float, timeout: float) -> rawhttp.RawResponse:
    """Send ``pieces`` ``pause`` seconds apart until the server answers or closes, then read its answer."""
    target = rawhttp.Target.of(base_url)
    started = time.monotonic()
    deadline = started + timeout
    try:
        sock = rawhttp.connect(target, timeout)
    except OSError:
        return rawhttp.RawResponse(closed=True, elapsed=time.monotonic() - started)
    with sock:
        for piece in pieces:
            try:
                if piece:
                    sock.sendall(piece)
            except OSError:
                break
            readable, _, _ = select.select([sock], [], [], max(0.0, min(pause, deadline - time.monotonic())))
            if readable or time.monotonic() >= deadline:
                break
        return rawhttp.read_response(sock, deadline, started)


def _closed_within(sock: socket.socket, wait: float) -> bool:
    """Whether the server closes ``sock`` (EOF or reset) within ``wait`` seconds, discarding what it sends."""
    deadline = time.monotonic() + wait
    while (remaining := deadline - time.monotonic()) > 0:
        sock.settimeout(remaining)
        try:
            if not sock.recv(65536):
                return True
        except TimeoutError:
            return False
        except OSError:
            return True
    return False


def _auth(api: ApiClient) -> list[tuple[str, str]]:
    return [("Authorization", f"Bearer {api.api_key}"), ("Content-Type", "application/json")]


@pytest.mark.hostile("headers")
@pytest.mark.rule("not_a_server_error", "header_limit_431", "openai_error_envelope", "valid_request_200")
def test_oversized_headers_are_refused(api: ApiClient, contract: Contract, hostile: Hostile,
                                       slow_client_bound: float) -> None:
    """An 8 MiB header, a 1 MiB cookie and 10,000 headers: 431 in the path's envelope and closed, or the
    connection refused; never a 5xx, never held (D-70)."""
    target, auth = rawhttp.Target.of(api.base_url), _auth(api)
    cases = {
        "an 8 MiB header on GET /v1/models": ("GET", "/v1/models", [*auth, ("X-Padding", "a" * (8 << 20))]),
        "a 1 MiB cookie on POST /v1/messages": ("POST", "/v1/messages", [*auth, ("Cookie", "c=" + "b" * (1 << 20))]),
        "10,000 headers on GET /v1/models": ("GET", "/v1/models", [*auth, *((f"X-H{i}", "v") for i in range(10_000))]),
    }

    def send(method: str, path: str, headers: list[tuple[str, str]]) -> Callable[[], rawhttp.RawResponse]:
        data = rawhttp.request_bytes(target, method, path, headers, b"{}" if method == "POST" else b"")
        return lambda: rawhttp.exchange(api.base_url, data, timeout=slow_client_bound + SLACK)

    replies = _side_by_side({label: send(*case) for label, case in cases.items()})
    hostile.sent(len(replies))
    for label, reply in replies.items():
        no_5xx(reply, label)
        bounded("header_limit_431", reply, slow_client_bound, label)
        refused_or_closed("header_limit_431", reply, contract, envelope_for(cases[label][1]), label,
                          status=431, code="request_header_fields_too_large")
    hostile.still_serves()


@pytest.mark.hostile("slow-clients")
@pytest.mark.rule("not_a_server_error", "slow_client_cut", "openai_error_envelope", "valid_request_200")
def test_slow_headers_are_cut(api: ApiClient, contract: Contract, hostile: Hostile, slow_client_bound: float) -> None:
    """A connection that sends nothing, a head that stops, a head trickled a line at a time: 408 in the
    envelope and closed, or closed, within the bound (D-71)."""
    target, timeout = rawhttp.Target.of(api.base_url), slow_client_bound + SLACK
    start = f"GET {target.prefix}/v1/models HTTP/1.1\r\nHost: {target.authority}\r\n".encode()
    lines = [f"X-Slow-{i}: {'v' * 8}\r\n".encode() for i in range(int(timeout / 0.5) + 2)]
    replies = _side_by_side({
        "a connection that sends nothing": lambda: _trickle(api.base_url, [b""], timeout, timeout),
        "a head that stops after its first line": lambda: _trickle(api.base_url, [start], timeout, timeout),
        "a head trickled one header every 0.5 s": lambda: _trickle(api.base_url, [start, *lines], 0.5, timeout),
    })
    hostile.sent(len(replies))
    for label, reply in replies.items():
        no_5xx(reply, label)
        bounded("slow_client_cut", reply, slow_client_bound, label)
        refused_or_closed("slow_client_cut", reply, contract, "openai", label, status=408, code="request_timeout")
    hostile.still_serves()


@pytest.mark.hostile("slow-clients")
@pytest.mark.rule("not_a_server_error", "slow_client_cut", "openai_error_envelope", "anthropic_error_envelope",
                  "valid_request_200")
def test_slow_body_is_cut(api: ApiClient, contract: Contract, hostile: Hostile, slow_client_bound: float) -> None:
    """A body declaring 1,000 bytes that sends 10, and one trickled at 4 bytes a second: 408 in the path's
    envelope and closed, or closed, within the bound (D-71)."""
    target, timeout = rawhttp.Target.of(api.base_url), slow_client_bound + SLACK

    def head(path: str) -> bytes:
        return rawhttp.request_bytes(target, "POST", path, [*_auth(api), ("Content-Length", "1000")],
                                     content_length=False)

    replies = _side_by_side({
        "a chat body of 10 of its 1,000 bytes": lambda: _trickle(
            api.base_url, [head("/v1/chat/completions") + b'{"model": '], timeout, timeout),
        "a messages body trickled at 4 bytes/s": lambda: _trickle(
            api.base_url, [head("/v1/messages"), *[b"{"] * 1000], 0.25, timeout),
    })
    hostile.sent(len(replies))
    for label, reply in replies.items():
        no_5xx(reply, label)
        bounded("slow_client_cut", reply, slow_client_bound, label)
        envelope = "anthropic" if "messages" in label else "openai"
        refused_or_closed("slow_client_cut", reply, contract, envelope, label, status=408, code="request_timeout")
    hostile.still_serves()


@pytest.mark.hostile("slow-clients")
@pytest.mark.rule("keep_alive_bounded", "valid_request_200")
def test_idle_keep_alive_connection_is_closed(api: ApiClient, hostile: Hostile, slow_client_bound: float) -> None:
    """A keep-alive connection left idle after a served request is closed within the bound (D-71)."""
    target = rawhttp.Target.of(api.base_url)
    with rawhttp.connect(target, slow_client_bound + SLACK) as sock:
        started = time.monotonic()
        sock.sendall(rawhttp.request_bytes(target, "GET", "/v1/models", _auth(api)))
        hostile.sent()
        reply = rawhttp.read_response(sock, started + slow_client_bound + SLACK, started)
        expect("valid_request_200", reply.status == 200, "GET /v1/models on a fresh connection: 200", reply.describe())
        idle = time.monotonic()
        closed = _closed_within(sock, slow_client_bound + SLACK)
        waited = time.monotonic() - idle
    expect("keep_alive_bounded", closed and waited <= slow_client_bound,
           f"the idle connection closed within {slow_client_bound:g} s",
           f"closed after {waited:.1f} s" if closed else f"still open after {waited:.1f} s")
    hostile.still_serves()


MALFORMED: dict[str, tuple[str, bytes]] = {
    "a NUL in a header name": ("/v1/models", b"GET {path} HTTP/1.1\r\nHost: {host}\r\nX-A\x00b: c\r\n\r\n"),
    "a CR in a header name": ("/v1/models", b"GET {path} HTTP/1.1\r\nHost: {host}\r\nX-A\rb: c\r\n\r\n"),
    "Content-Length with Transfer-Encoding": (
        "/v1/messages", (b"POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Length: 5\r\n"
                         b"Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n")),
    "a negative Content-Length": ("/v1/chat/completions",
                                  b"POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Length: -5\r\n\r\n"),
    "an unknown method token": ("/v1/models", b"FOO {path} HTTP/1.1\r\nHost: {host}\r\n\r\n"),
}


@pytest.mark.hostile("malformed-http")
@pytest.mark.rule("not_a_server_error", "malformed_http_envelope", "valid_request_200")
def test_malformed_http_is_refused(api: ApiClient, contract: Contract, hostile: Hostile,
                                   slow_client_bound: float) -> None:
    """CR/NUL in header names, Content-Length with Transfer-Encoding, a negative Content-Length, an unknown
    method: never a 5xx, answered or closed within the bound; 400 ``malformed_http`` in the path's envelope
    and closed, or just closed (D-73). A method the parser knows but the API does not (``PROPFIND``) is
    the router's 405 in the envelope."""
    target, timeout = rawhttp.Target.of(api.base_url), slow_client_bound + SLACK

    def raw(path: str, template: bytes) -> bytes:
        return template.replace(b"{path}", (target.prefix + path).encode()).replace(
            b"{host}", target.authority.encode())

    def send(data: bytes) -> Callable[[], rawhttp.RawResponse]:
        return lambda: rawhttp.exchange(api.base_url, data, timeout=timeout)

    calls = {label: send(raw(path, template)) for label, (path, template) in MALFORMED.items()}
    calls["PROPFIND"] = lambda: rawhttp.exchange(
        api.base_url, rawhttp.request_bytes(target, "PROPFIND", "/v1/models", _auth(api)), timeout=timeout)
    replies = _side_by_side(calls)
    hostile.sent(len(replies))
    for label, reply in replies.items():
        no_5xx(reply, label)
        bounded("malformed_http_envelope", reply, slow_client_bound, label)
        if label == "PROPFIND":
            expect("malformed_http_envelope", reply.status == 405, "PROPFIND /v1/models: 405", reply.describe())
            in_envelope("malformed_http_envelope", reply, contract, "openai", label)
            continue
        refused_or_closed("malformed_http_envelope", reply, contract, envelope_for(MALFORMED[label][0]), label,
                          status=400, code="malformed_http")
    hostile.still_serves()


def _stream_to_the_end(api: ApiClient, path: str, body: dict[str, Any], timeout: float) -> tuple[int, bytes, float]:
    started, received = time.monotonic(), b""
    try:
        with api.stream("POST", path, json=body, timeout=timeout, retry_429=False) as response:
            for chunk in response.iter_bytes():
                received += chunk
            status = response.status_code
    except Exception as exc:  # noqa: BLE001 (a read timeout or a cut stream: reported as not ended in time)
        return 0, received + f" [{type(exc).__name__}]".encode(), time.monotonic() - started
    return status, received, time.monotonic() - started


@pytest.mark.hostile("upstream")
@pytest.mark.rule("upstream_timeout_bounded", "openai_error_envelope", "valid_request_200")
def test_hung_upstream_is_answered_in_time(api: ApiClient, contract: Contract, discovery: Discovery,
                                           hostile: Hostile, mock_upstreams: bool, upstream_timeout: float) -> None:
    """An upstream that accepts a chat request and says nothing is a 502 ``upstream_error`` in the envelope
    within ``--upstream-timeout``; one that stalls a Messages stream ends it with the format's error event
    within the same bound (D-72)."""
    chat, messages = DRIVERS["chat"], DRIVERS["messages"]
    target, timeout = rawhttp.Target.of(api.base_url), upstream_timeout + SLACK
    hung = json.dumps(chat.body(chat.plain_model(discovery, api),
                                f"[[mock:fault=hang:{upstream_timeout + 2 * SLACK:g}s]] Say hello.")).encode()
    stalled = messages.body(messages.plain_model(discovery, api), "[[mock:fault=stall:2]] Count to twenty.",
                            stream=True)
    with ThreadPoolExecutor(max_workers=1) as pool:
        pending = pool.submit(rawhttp.exchange, api.base_url, rawhttp.request_bytes(
            target, "POST", "/v1/chat/completions", _auth(api), hung), timeout=timeout)
        status, streamed, elapsed = _stream_to_the_end(api, messages.endpoint, stalled, timeout)
        reply = pending.result()
    hostile.sent(2)
    what = "a chat request to an upstream that hangs"
    bounded("upstream_timeout_bounded", reply, upstream_timeout, what)
    expect("upstream_timeout_bounded", reply.status == 502, f"{what}: 502", reply.describe())
    error = in_envelope("upstream_timeout_bounded", reply, contract, "openai", what)
    if error is not None:
        expect("upstream_timeout_bounded", error.get("code") == "upstream_error", f"{what}: code upstream_error",
               error.get("code"))
    what = "a Messages stream whose upstream stalls"
    expect("upstream_timeout_bounded", status == 200 and elapsed <= upstream_timeout and b"event: error" in streamed,
           f"{what}: ended with an error event within {upstream_timeout:g} s",
           f"{status} after {elapsed:.1f} s, ending {streamed[-200:]!r}")
    hostile.still_serves()
