"""A raw HTTP/1.1 client for what a well-behaved client library will not send: malformed request lines and
headers, bodies shorter than declared, bytes trickled slowly, connections dropped mid-answer.

:func:`exchange` sends bytes on a fresh TCP connection and reads one response within a deadline;
:class:`RawResponse` says what came back (status, headers, JSON body if any), whether and when the
server closed the connection, and how long everything took. Nothing here knows the deployment.
"""

from __future__ import annotations

import json
import socket
import ssl
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

__all__ = ["RawResponse", "Target", "connect", "exchange", "read_response", "request_bytes"]


@dataclass(frozen=True)
class Target:
    """Where a raw connection goes: host, port, TLS, and the base path prefix of the API."""

    host: str
    port: int
    tls: bool
    prefix: str

    @classmethod
    def of(cls, base_url: str) -> Target:
        parts = urlsplit(base_url)
        tls = parts.scheme == "https"
        return cls(parts.hostname or "127.0.0.1", parts.port or (443 if tls else 80), tls, parts.path.rstrip("/"))

    @property
    def authority(self) -> str:
        default = 443 if self.tls else 80
        return self.host if self.port == default else f"{self.host}:{self.port}"


@dataclass
class RawResponse:
    """One response read off a raw connection (``status`` None when the server sent none)."""

    status: int | None = None
    reason: str = ""
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""
    closed: bool = False  # the server closed the connection (EOF or reset) by the time reading stopped
    elapsed: float = 0.0  # seconds from the first byte sent to the end of reading
    timed_out: bool = False  # the deadline passed with the connection still open and no complete answer

    def header(self, name: str) -> str | None:
        lowered = name.lower()
        return next((v for k, v in self.headers if k.lower() == lowered), None)

    def json(self) -> Any:
        """The body as JSON, or None when it is not JSON."""
        try:
            return json.loads(self.body)
        except (ValueError, UnicodeDecodeError):
            return None

    def describe(self) -> str:
        if self.status is None:
            how = "timed out" if self.timed_out else "closed" if self.closed else "nothing"
            return f"no response ({how} after {self.elapsed:.1f}s)"
        return f"{self.status} {self.body[:160]!r} after {self.elapsed:.1f}s"


def connect(target: Target, timeout: float) -> socket.socket:
    """A connected socket (TLS-wrapped for https) with ``timeout`` on each operation."""
    sock = socket.create_connection((target.host, target.port), timeout=timeout)
    if target.tls:
        sock = ssl.create_default_context().wrap_socket(sock, server_hostname=target.host)
    return sock


def request_bytes(target: Target, method: str, path: str, headers: list[tuple[str, str]] | None = None,
                  body: bytes = b"", *, host: str | None = None, content_length: bool = True) -> bytes:
    """An HTTP/1.1 request: ``path`` is appended to the API prefix; Host is the target's unless given."""
    lines = [f"{method} {target.prefix}{path} HTTP/1.1", f"Host: {host if host is not None else target.authority}"]
    lines += [f"{k}: {v}" for k, v in headers or []]
    if content_length and (body or method in ("POST", "PUT", "PATCH")):
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


def _split_head(head: bytes) -> tuple[int | None, str, list[tuple[str, str]]]:
    lines = head.decode("latin-1").split("\r\n")
    parts = lines[0].split(" ", 2)
    try:
        status = int(parts[1])
    except (IndexError, ValueError):
        return None, "", []
    headers = [(k.strip(), v.strip()) for k, _, v in (line.partition(":") for line in lines[1:] if line)]
    return status, parts[2] if len(parts) > 2 else "", headers


def read_response(sock: socket.socket, deadline: float, started: float) -> RawResponse:
    """Read one response from ``sock`` until it is complete, the server closes, or ``deadline`` (monotonic)."""
    out = RawResponse()
    buffer = b""
    need: int | None = None
    while True:
        if out.status is not None and need is not None and len(buffer) >= need:
            out.body = buffer[:need]
            break
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            out.timed_out = True
            break
        sock.settimeout(min(remaining, 1.0))
        try:
            chunk = sock.recv(65536)
        except TimeoutError:
            continue
        except (ConnectionError, ssl.SSLError, OSError):
            out.closed = True
            break
        if not chunk:
            out.closed = True
            break
        buffer += chunk
        garbled = False
        while out.status is None and b"\r\n\r\n" in buffer:
            head, buffer = buffer.split(b"\r\n\r\n", 1)
            out.status, out.reason, out.headers = _split_head(head)
            if out.status is None:
                garbled = True
                break
            if 100 <= out.status < 200:  # an interim answer (100 Continue): the real one follows
                out.status = None
                continue
            length = out.header("content-length")
            need = int(length) if length and length.isdigit() else None
        if garbled:
            break
    if out.status is not None and not out.body:
        out.body = buffer
    out.elapsed = time.monotonic() - started
    if out.status is not None and not out.closed and (out.header("connection") or "").lower() == "close":
        out.closed = _peer_closed(sock, min(2.0, max(0.0, deadline - time.monotonic())))
    return out


def _peer_closed(sock: socket.socket, wait: float) -> bool:
    sock.settimeout(max(wait, 0.01))
    try:
        return sock.recv(1) == b""
    except TimeoutError:
        return False
    except OSError:
        return True


def exchange(base_url: str, data: bytes | list[bytes], *, timeout: float = 10.0, pause: float = 0.0) -> RawResponse:
    """Send ``data`` (pieces ``pause`` seconds apart) on a new connection; read one response within ``timeout``.

    A send the server refuses (it closed first) stops sending and reads what it answered."""
    target = Target.of(base_url)
    started = time.monotonic()
    deadline = started + timeout
    try:
        sock = connect(target, timeout)
    except OSError:
        return RawResponse(closed=True, elapsed=time.monotonic() - started)
    with sock:
        for i, piece in enumerate(data if isinstance(data, list) else [data]):
            if i and pause:
                time.sleep(pause)
            try:
                sock.sendall(piece)
            except OSError:
                break
        return read_response(sock, deadline, started)
