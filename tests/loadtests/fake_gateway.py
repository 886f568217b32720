"""A tiny chat-completions server for the Locust profiles' own tests: either it admits everything, or it
holds a sliding window of requests and tokens per account, shared by that account's keys, and says so in
the ``x-ratelimit-*`` headers."""

from __future__ import annotations

import json
import math
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

__all__ = ["Fake", "serve"]

MODELS = {"object": "list", "data": [{"id": "fake-small", "object": "model", "endpoints": ["/v1/chat/completions"]}]}


@dataclass
class Fake:
    """``accounts`` maps a key to its account; ``None`` limits admit everything (headers still say ``rpm``)."""

    accounts: dict[str, str]
    rpm: int
    tpm: int | None
    window: float
    limited: bool = True
    log: dict[str, list[tuple[float, int]]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def admit(self, key: str, tokens: int) -> tuple[int, dict[str, str]]:
        with self.lock:
            now = time.monotonic()
            entries = [e for e in self.log.get(self.accounts[key], []) if e[0] > now - self.window]
            used = sum(t for _, t in entries)
            requests_left, tokens_left = self.rpm - len(entries), (self.tpm or 0) - used
            refused = self.limited and (requests_left < 1 or (self.tpm is not None and tokens_left < tokens))
            if not refused:
                entries.append((now, tokens))
                requests_left, tokens_left = requests_left - 1, tokens_left - tokens
            self.log[self.accounts[key]] = entries
            reset = max(0.001, entries[0][0] + self.window - now) if entries else self.window
        headers = {"x-ratelimit-limit-requests": str(self.rpm),
                   "x-ratelimit-remaining-requests": str(max(0, requests_left))}
        if self.tpm is not None:
            headers |= {"x-ratelimit-limit-tokens": str(self.tpm),
                        "x-ratelimit-remaining-tokens": str(max(0, tokens_left))}
        if refused:
            headers["retry-after"] = str(math.ceil(reset))
        return (429 if refused else 200), headers


def _handler(fake: Fake) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: object) -> None:
            pass

        def _send(self, status: int, body: object, headers: dict[str, str] | None = None) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            for name, value in {"content-type": "application/json", **(headers or {})}.items():
                self.send_header(name, value)
            self.send_header("content-length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:
            self._send(200, MODELS)

        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers.get("content-length", "0"))))
            key = self.headers.get("authorization", "").removeprefix("Bearer ")
            prompt = sum(len(m["content"]) for m in body["messages"])
            status, headers = fake.admit(key, math.ceil(prompt / 4) + int(body.get("max_tokens", 0)))
            if status == 429:
                self._send(429, {"error": {"type": "rate_limit_error", "code": "rate_limit_exceeded",
                                           "message": "Rate limit exceeded."}}, headers)
                return
            self._send(200, {"id": "chatcmpl-1", "object": "chat.completion", "model": body["model"],
                             "choices": [{"index": 0, "message": {"role": "assistant", "content": "ok"},
                                          "finish_reason": "stop"}]}, headers)

    return Handler


@contextmanager
def serve(fake: Fake) -> Iterator[str]:
    """The fake's base URL while it serves on a free loopback port."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(fake))
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
