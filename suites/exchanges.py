"""The HTTP exchanges a test made: request, status, headers, body and stream events, as the contract
transport saw them, with credentials redacted — for failure reports (Allure attachments) and for the
check that a rejection never reached an upstream (:mod:`suites.upstreams`).
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from typing import Any

import httpx

__all__ = ["BODY_LIMIT", "CREDENTIAL_HEADERS", "EVENT_LIMIT", "Exchange", "redact", "request_text"]

BODY_LIMIT = 64 * 1024
EVENT_LIMIT = 400
CREDENTIAL_HEADERS = frozenset({"authorization", "x-api-key", "api-key", "proxy-authorization", "cookie",
                                "set-cookie", "x-goog-api-key"})


def redact(name: str, value: str) -> str:
    """A header value fit for a report: credentials keep their scheme and last four characters."""
    if name.lower() not in CREDENTIAL_HEADERS:
        return value
    scheme, _, secret = value.partition(" ") if " " in value else ("", "", value)
    tail = secret[-4:] if len(secret) > 12 else ""
    return f"{scheme + ' ' if scheme else ''}[redacted{' …' + tail if tail else ''}]"


def _body_of(request: httpx.Request) -> bytes:
    try:
        return request.content
    except httpx.RequestNotRead:
        return b""


def request_text(request: httpx.Request) -> str:
    """What the request carried that a response may legitimately echo: body and header values (not the
    host), as text."""
    values = " ".join(v for k, v in request.headers.items() if k.lower() != "host")
    return _body_of(request)[: 4 * 1024 * 1024].decode("utf-8", "replace") + " " + values


def _clip(data: bytes | bytearray) -> str:
    text = bytes(data[:BODY_LIMIT]).decode("utf-8", "replace")
    return text + (f"\n… ({len(data) - BODY_LIMIT} more bytes)" if len(data) > BODY_LIMIT else "")


def _pretty(text: str) -> str:
    try:
        return json.dumps(json.loads(text), indent=2, ensure_ascii=False)
    except ValueError:
        return text


@dataclass
class Exchange:
    """One request and what came back; ``started``/``answered`` are wall-clock times (seconds) of sending
    and of the response headers."""

    method: str
    url: str
    request_headers: list[tuple[str, str]]
    request_body: bytes
    started: float
    status: int = 0
    answered: float = 0.0
    response_headers: list[tuple[str, str]] = field(default_factory=list)
    response_body: bytearray = field(default_factory=bytearray)
    events: list[tuple[str, str]] = field(default_factory=list)
    dropped_events: int = 0
    findings: list[str] = field(default_factory=list)  # leaks and contract violations seen in it

    @classmethod
    def begin(cls, request: httpx.Request) -> Exchange:
        headers = [(k, redact(k, v)) for k, v in request.headers.items()]
        return cls(request.method, str(request.url), headers, _body_of(request)[:BODY_LIMIT + 1], time.time())

    def answer(self, response: httpx.Response) -> None:
        self.status = response.status_code
        self.answered = time.time()
        self.response_headers = [(k, redact(k, v)) for k, v in response.headers.items()]

    def body(self, data: bytes) -> None:
        room = BODY_LIMIT + 1 - len(self.response_body)
        if room > 0:
            self.response_body += data[:room]

    def event(self, name: str | None, data: str) -> None:
        if len(self.events) < EVENT_LIMIT:
            self.events.append((name or "message", data))
        else:
            self.dropped_events += 1

    @property
    def title(self) -> str:
        return f"{self.method} {httpx.URL(self.url).raw_path.decode()} → {self.status or 'no answer'}"

    def transcript(self) -> str:
        """The exchange as readable text: request line, headers and body, then the status, headers and
        body (or the stream's events)."""
        lines = [f"{self.method} {self.url}"]
        lines += [f"{k}: {v}" for k, v in self.request_headers]
        if self.request_body:
            lines += ["", _pretty(_clip(self.request_body))]
        lines += ["", f"← {self.status}" + (f"  ({(self.answered - self.started) * 1000:.0f} ms)" if self.answered else "")]
        lines += [f"{k}: {v}" for k, v in self.response_headers]
        if self.events:
            lines += ["", f"stream events ({len(self.events) + self.dropped_events}):"]
            lines += [f"  [{name}] {data}" for name, data in self.events]
            if self.dropped_events:
                lines.append(f"  … and {self.dropped_events} more")
        elif self.response_body:
            lines += ["", _pretty(_clip(self.response_body))]
        if self.findings:
            lines += ["", "found in this exchange:"] + [f"  - {f}" for f in self.findings]
        return "\n".join(lines)

    def as_dict(self) -> dict[str, Any]:
        return {"method": self.method, "url": self.url, "request_headers": dict(self.request_headers),
                "status": self.status, "response_headers": dict(self.response_headers),
                "events": len(self.events) + self.dropped_events, "findings": self.findings}
