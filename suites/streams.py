"""Streamed requests, collected event by event with each event's arrival time.

:func:`collect` sends one request with ``stream: true`` through the suites'
:class:`~suites.client.ApiClient` (so the contract transport validates every event as it arrives) and
returns an :class:`EventStream`. Each format's module subclasses it with what its events mean
(:mod:`suites.chat`, :mod:`suites.anthropic_stream`, :mod:`suites.responses_stream`).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, ClassVar, Generic, TypeVar

import httpx

from suites.checks import expect
from suites.client import ApiClient
from suites.sse import ServerSentEvent, SSEDecoder

__all__ = ["EventStream", "SharedViolations", "StreamCache", "TimedEvent", "collect"]


@dataclass(frozen=True)
class TimedEvent:
    """One server-sent event and when it arrived."""

    at: float  # seconds since the request was sent
    event: ServerSentEvent


def _json_object(data: str) -> dict[str, Any] | None:
    try:
        value = json.loads(data)
    except json.JSONDecodeError:
        return None
    return value if isinstance(value, dict) else None


@dataclass
class EventStream:
    """Everything one streamed request produced, event by event."""

    status: int
    headers: httpx.Headers
    raw: bytes = b""
    events: list[TimedEvent] = field(default_factory=list)
    elapsed: float = 0.0

    failure_rule: ClassVar[str] = "a failure after the stream started must be reported inside the stream"
    """How the format reports a failure once its stream started (said when the transport breaks off)."""

    @property
    def is_stream(self) -> bool:
        return str(self.headers.get("content-type", "")).startswith("text/event-stream")

    @property
    def data(self) -> list[str]:
        return [e.event.data for e in self.events]

    @property
    def names(self) -> list[str]:
        """The ``event:`` names in order (``message`` for an unnamed event)."""
        return [e.event.event or "message" for e in self.events]

    @property
    def payloads(self) -> list[dict[str, Any]]:
        """Every JSON object the stream carried, in order (``[DONE]`` and other non-JSON data left out)."""
        return [value for value in map(_json_object, self.data) if value is not None]

    def timed_payloads(self) -> list[tuple[float, dict[str, Any]]]:
        """:attr:`payloads` with the time each arrived."""
        return [(e.at, value) for e in self.events if (value := _json_object(e.event.data)) is not None]

    @property
    def types(self) -> list[str]:
        return [str(p.get("type")) for p in self.payloads]

    def of_type(self, kind: str) -> list[dict[str, Any]]:
        return [p for p in self.payloads if p.get("type") == kind]

    @property
    def body(self) -> str:
        return self.raw.decode("utf-8", "replace")

    def json(self) -> Any:
        """The body of a non-stream answer (an error)."""
        return json.loads(self.raw)

    def describe(self) -> str:
        return f"{self.status} {self.headers.get('content-type')!r}: {self.body[:300]!r}"


S = TypeVar("S", bound=EventStream)
T = TypeVar("T")


def collect(api: ApiClient, path: str, body: Any, kind: type[S], *, require_stream: bool = True,
            **kwargs: Any) -> S:
    """``POST path`` with ``body`` plus ``stream: true`` and collect every event with its arrival time
    into a ``kind``. ``kwargs`` go to :meth:`ApiClient.stream`. With ``require_stream`` (default) an answer
    that is not a 200 event stream fails the calling test, showing the body."""
    body = {**body, "stream": True} if isinstance(body, dict) else body
    started = time.monotonic()
    with api.stream("POST", path, json=body, **kwargs) as response:
        result = kind(response.status_code, response.headers)
        decoder = SSEDecoder()
        raw = bytearray()
        try:
            for piece in response.iter_bytes():
                raw += piece
                now = time.monotonic() - started
                result.events.extend(TimedEvent(now, e) for e in decoder.feed(piece))
        except httpx.TransportError as exc:
            raise AssertionError(f"the stream broke off at the transport level ({type(exc).__name__}: {exc}) after "
                                 f"{len(result.events)} events; {kind.failure_rule}") from None
        now = time.monotonic() - started
        result.events.extend(TimedEvent(now, e) for e in decoder.flush())
        result.raw = bytes(raw)
        result.elapsed = now
    if require_stream:
        expect("valid_request_200", response.status_code == 200 and result.is_stream, "a 200 event stream",
               result.describe())
    return result


class SharedViolations:
    """The contract violations each shared answer received, charged again to every later test that reads
    it: a violation fails each test that uses the answer, not only the one that happened to fetch it."""

    def __init__(self) -> None:
        self._seen: dict[str, list[Any]] = {}

    def fetch(self, api: ApiClient, key: str, fetch: Callable[[], T]) -> T:
        recorder = api.recorder
        before = len(recorder.violations) if recorder is not None else 0
        value = fetch()
        self._seen[key] = list(recorder.violations[before:]) if recorder is not None else []
        return value

    def reuse(self, api: ApiClient, key: str) -> None:
        if api.recorder is not None:
            for violation in self._seen.get(key, ()):
                api.recorder.violation(violation)


class StreamCache(Generic[S]):
    """Streams of identical requests, shared by the checks of one session that only read them.

    Every entry is fetched inside the first test that needs it; contract violations in it fail that test
    and every later test that reads it (:class:`SharedViolations`). Use it as a session fixture, never as
    module state: each pytest session (and each pytester run of the self-tests) must see its own
    deployment's answers.
    """

    def __init__(self, fetch: Callable[[ApiClient, dict[str, Any]], S]) -> None:
        self._fetch = fetch
        self._streams: dict[str, S] = {}
        self._violations = SharedViolations()

    def get(self, api: ApiClient, body: dict[str, Any]) -> S:
        key = json.dumps(body, sort_keys=True)
        if key not in self._streams:
            self._streams[key] = self._violations.fetch(api, key, lambda: self._fetch(api, body))
        else:
            self._violations.reuse(api, key)
        return self._streams[key]
