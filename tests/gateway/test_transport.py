"""``gateway.server``: the transport limits (D-70, D-71, D-73) on raw sockets against an in-process uvicorn
server with short limits, the upstream client's first-byte and idle timeouts (D-72) against a silent
local server, and the reference deployment's router answering a parseable unknown method."""

from __future__ import annotations

import asyncio
import json
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import Any

import pytest
import uvicorn
import yaml

from gateway.config import Settings, Upstream, load_settings
from gateway.errors import GatewayError
from gateway.server import GatewayProtocol, TransportLimits, TransportPolicy
from gateway.upstreams.http import UpstreamHTTP
from suites import SPEC_PATH
from suites.launcher import Deployment, free_ports

LIMITS = TransportLimits(max_header_bytes=4096, max_headers=20, connections_per_client=3, header_timeout=0.5,
                         body_timeout=0.5, body_min_rate=1024, keep_alive_timeout=0.5)
SLACK = 1.5
"""Seconds past a limit within which the server must have acted (the machine is shared)."""


class _Holder:
    policy = TransportPolicy(LIMITS)


async def _echo(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] != "http":
        return
    if scope["path"] == "/early":
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"0")]})
        await send({"type": "http.response.body", "body": b""})
        return
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return
        size += len(message.get("body", b""))
        if not message.get("more_body"):
            break
    body = json.dumps({"received": size}).encode()
    await send({"type": "http.response.start", "status": 200,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})


@pytest.fixture(scope="module")
def server() -> Iterator[tuple[str, int]]:
    (port,) = free_ports(1)
    config = uvicorn.Config(_echo, host="127.0.0.1", port=port, loop="asyncio", log_level="warning",
                            http=GatewayProtocol.bound(lambda: _Holder.policy), lifespan="off")
    uv = uvicorn.Server(config)
    thread = threading.Thread(target=uv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not uv.started and time.monotonic() < deadline:
        time.sleep(0.02)
    yield "127.0.0.1", port
    uv.should_exit = True
    thread.join(5)


@pytest.fixture
def limits() -> Iterator[type[_Holder]]:
    yield _Holder
    _Holder.policy = TransportPolicy(LIMITS)


@dataclass
class Answer:
    status: int | None
    headers: dict[str, str]
    body: bytes
    closed: bool
    elapsed: float

    def error(self) -> dict[str, Any]:
        loaded: dict[str, Any] = json.loads(self.body)
        return loaded


def _read(sock: socket.socket, started: float, timeout: float = 5.0) -> Answer:
    sock.settimeout(timeout)
    data = b""
    while b"\r\n\r\n" not in data:
        try:
            chunk = sock.recv(65536)
        except (TimeoutError, OSError):
            chunk = b""
        if not chunk:
            return Answer(None, {}, data, True, time.monotonic() - started)
        data += chunk
    head, body = data.split(b"\r\n\r\n", 1)
    lines = head.decode("latin-1").split("\r\n")
    headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
    while len(body) < int(headers.get("content-length", 0)):
        chunk = sock.recv(65536)
        if not chunk:
            break
        body += chunk
    elapsed = time.monotonic() - started
    closed = False
    if headers.get("connection") == "close":
        try:
            closed = sock.recv(1) == b""
        except OSError:
            closed = True
    return Answer(int(lines[0].split()[1]), headers, body, closed, elapsed)


def _exchange(address: tuple[str, int], *pieces: bytes, pause: float = 0.0, timeout: float = 5.0) -> Answer:
    with socket.create_connection(address, timeout=timeout) as sock:
        started = time.monotonic()
        for i, piece in enumerate(pieces):
            if i and pause:
                time.sleep(pause)
            try:
                sock.sendall(piece)
            except OSError:
                break
        return _read(sock, started, timeout)


def _request(method: str = "GET", path: str = "/v1/models", headers: list[tuple[str, str]] | None = None,
             body: bytes = b"") -> bytes:
    lines = [f"{method} {path} HTTP/1.1", "Host: localhost", *(f"{k}: {v}" for k, v in headers or [])]
    if body:
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


def _refused(answer: Answer, status: int, code: str) -> None:
    assert answer.status == status, answer
    assert answer.headers["content-type"] == "application/json" and answer.headers["connection"] == "close"
    assert answer.error()["error"]["code"] == code, answer.body
    assert answer.closed, "the connection stays open after the refusal"


def test_valid_requests_are_served_on_one_connection(server: tuple[str, int]) -> None:
    with socket.create_connection(server, timeout=5) as sock:
        for body in (b"", b'{"x": 1}'):
            sock.sendall(_request("POST", "/v1/chat/completions", [("X-Small", "y" * 1000)] * 3, body))
            answer = _read(sock, time.monotonic())
            assert answer.status == 200 and answer.error() == {"received": len(body)}


@pytest.mark.parametrize("headers", [
    [(f"X-H{i}", "v") for i in range(21)],
    [("Cookie", "a" * 5000)],
    [("X-Big", "a" * 8 * 1024 * 1024)],
    [(f"X-H{i}", "v") for i in range(10_000)],
], ids=["count", "bytes", "8MiB", "10000"])
def test_oversized_heads_are_431_in_the_envelope(server: tuple[str, int], headers: list[tuple[str, str]]) -> None:
    answer = _exchange(server, _request(headers=headers))
    _refused(answer, 431, "request_header_fields_too_large")
    assert answer.error()["error"]["type"] == "invalid_request_error" and answer.elapsed < SLACK


def test_oversized_head_on_messages_is_the_anthropic_envelope(server: tuple[str, int]) -> None:
    answer = _exchange(server, _request("POST", "/v1/messages", [("Cookie", "a" * 5000)], b"{}"))
    assert answer.status == 431 and answer.closed
    assert answer.error() == {"type": "error", "error": {"type": "request_too_large", "message": answer.error()[
        "error"]["message"]}}


def test_head_within_the_limits_is_served(server: tuple[str, int]) -> None:
    answer = _exchange(server, _request(headers=[(f"X-H{i}", "v" * 150) for i in range(19)]))
    assert answer.status == 200


def test_slow_head_is_408_within_the_header_timeout(server: tuple[str, int]) -> None:
    answer = _exchange(server, b"GET /v1/models HTTP/1.1\r\n", b"Host: x\r\n", pause=0.3)
    _refused(answer, 408, "request_timeout")
    assert answer.elapsed < LIMITS.header_timeout + SLACK  # type: ignore[operator]


def test_silent_connection_is_closed_without_an_answer(server: tuple[str, int]) -> None:
    answer = _exchange(server, b"")
    assert answer.status is None and answer.closed and answer.elapsed < LIMITS.header_timeout + SLACK  # type: ignore[operator]


def test_stopped_body_is_408_within_the_body_timeout(server: tuple[str, int]) -> None:
    head = b"POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n"
    answer = _exchange(server, head + b"0123456789")
    _refused(answer, 408, "request_timeout")
    assert answer.elapsed < LIMITS.body_timeout + SLACK  # type: ignore[operator]


def test_trickled_body_under_the_minimum_rate_is_408(server: tuple[str, int]) -> None:
    head = b"POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n"
    answer = _exchange(server, head, *[b"x"] * 30, pause=0.1)
    _refused(answer, 408, "request_timeout")
    assert answer.elapsed < 3 * LIMITS.body_timeout + SLACK  # type: ignore[operator]


def test_idle_keep_alive_connection_is_closed(server: tuple[str, int]) -> None:
    with socket.create_connection(server, timeout=5) as sock:
        sock.sendall(_request())
        assert _read(sock, time.monotonic()).status == 200
        started = time.monotonic()
        assert sock.recv(1) == b""
        assert time.monotonic() - started < LIMITS.keep_alive_timeout + SLACK


@pytest.mark.parametrize("raw", [
    b"GET /v1/models HTTP/1.1\r\nHost: x\r\nA\x00b: c\r\n\r\n",
    b"GET /v1/models HTTP/1.1\r\nHost: x\r\nA\rb: c\r\n\r\n",
    b"POST /v1/models HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n",
    b"POST /v1/models HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n",
    b"FOO /v1/models HTTP/1.1\r\nHost: x\r\n\r\n",
    b"GET /v1/models HTTP/9.9\r\nHost: x\r\n\r\n",
], ids=["nul-in-name", "cr-in-name", "cl-and-te", "negative-cl", "unknown-method", "bad-version"])
def test_malformed_http_is_400_malformed_http(server: tuple[str, int], raw: bytes) -> None:
    _refused(_exchange(server, raw), 400, "malformed_http")


def test_malformed_http_on_messages_is_the_anthropic_envelope(server: tuple[str, int]) -> None:
    answer = _exchange(server, b"POST /v1/messages HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n")
    assert answer.status == 400 and answer.error()["error"]["type"] == "invalid_request_error"


def test_connections_per_client_are_capped(server: tuple[str, int]) -> None:
    held = [socket.create_connection(server, timeout=5) for _ in range(3)]
    try:
        time.sleep(0.1)
        _refused(_exchange(server, _request()), 429, "too_many_connections")
    finally:
        for sock in held:
            sock.close()
    time.sleep(0.2)
    assert _exchange(server, _request()).status == 200


def test_limits_are_read_per_request(server: tuple[str, int], limits: type[_Holder]) -> None:
    limits.policy = TransportPolicy(replace(LIMITS, max_headers=None, max_header_bytes=None))
    assert _exchange(server, _request(headers=[(f"X-H{i}", "v") for i in range(50)])).status == 200


def test_settings_carry_the_limits() -> None:
    settings = load_settings(env={"EMPIRIO_HEADER_TIMEOUT": "1.5", "EMPIRIO_FIRST_BYTE_TIMEOUT": "7"})
    limits = TransportLimits.of(settings)
    assert (limits.header_timeout, limits.max_header_bytes, limits.max_headers) == (1.5, 32 * 1024, 100)
    assert (settings.first_byte_timeout, settings.idle_timeout) == (7.0, 60.0)


async def _silent_upstream(head_first: bool) -> tuple[asyncio.Server, int]:
    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        if head_first:
            writer.write(b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ntransfer-encoding: chunked\r\n\r\n"
                         b"1a\r\ndata: {\"choices\": []}\n\n\r\n")
            await writer.drain()
        await asyncio.sleep(30)

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    return server, int(server.sockets[0].getsockname()[1])


@pytest.mark.parametrize("stream", [False, True], ids=["first-byte", "idle"])
def test_hung_upstream_is_502_within_the_upstream_timeout(stream: bool) -> None:
    async def call() -> tuple[GatewayError, float]:
        server, port = await _silent_upstream(head_first=stream)
        http = UpstreamHTTP(Settings(read_timeout=30, first_byte_timeout=0.5, idle_timeout=0.5))
        started = time.monotonic()
        try:
            with pytest.raises(GatewayError) as caught:
                upstream = Upstream(base_url=f"http://127.0.0.1:{port}")
                if stream:
                    async for _ in http.post_sse(upstream, "/v1/chat/completions", {}, {}):
                        pass
                else:
                    await http.post_json(upstream, "/v1/chat/completions", {}, {})
            return caught.value, time.monotonic() - started
        finally:
            await http.close()
            server.close()

    error, elapsed = asyncio.run(call())
    assert (error.status, error.code) == (502, "upstream_error") and elapsed < 0.5 + SLACK
    assert "127.0.0.1" not in error.message


def test_reference_router_answers_a_parseable_unknown_method(deployment: Deployment) -> None:
    host, port = deployment.base_url.removeprefix("http://").split(":")
    answer = _exchange((host, int(port)), b"PROPFIND /v1/models HTTP/1.1\r\nHost: x\r\n\r\n")
    assert answer.status == 405 and answer.error()["error"]["code"] == "method_not_allowed"


def test_body_trickled_after_an_early_answer_is_cut(server: tuple[str, int]) -> None:
    """A request answered before its body arrived does not let the client hold the connection by trickling."""
    with socket.create_connection(server, timeout=5) as sock:
        sock.sendall(b"POST /early HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n")
        answer = _read(sock, time.monotonic())
        assert answer.status == 200
        started = time.monotonic()
        closed = False
        while time.monotonic() - started < 3 * LIMITS.body_timeout + SLACK:  # type: ignore[operator]
            try:
                sock.sendall(b"x")
            except OSError:
                closed = True
                break
            time.sleep(0.1)
        assert closed or sock.recv(1) == b""


def test_spec_states_the_reference_defaults() -> None:
    stated = yaml.safe_load(SPEC_PATH.read_text())["x-transport-limits"]
    s = Settings()
    assert stated == {
        "max_header_bytes": s.max_header_bytes, "max_headers": s.max_headers,
        "header_timeout_seconds": s.header_timeout, "body_timeout_seconds": s.body_timeout,
        "body_min_bytes_per_second": s.body_min_rate, "keep_alive_timeout_seconds": s.keep_alive_timeout,
        "connections_per_client": s.connections_per_client,
        "upstream_first_byte_timeout_seconds": s.first_byte_timeout,
        "upstream_idle_timeout_seconds": s.idle_timeout,
    }
