"""Helpers the Chat Completions suites share: request bodies, a stream collector, per-model loops.

Models are always chosen from the deployment's own catalog (:mod:`suites.discovery`); nothing here
names a model id.
"""

from __future__ import annotations

import json
import time
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from suites.client import ApiClient
from suites.discovery import CHAT, Discovery, param, param_names
from suites.sse import ServerSentEvent, SSEDecoder

__all__ = [
    "CHAT",
    "Failures",
    "ResponseCache",
    "StreamResult",
    "TimedEvent",
    "chat_body",
    "complete",
    "need",
    "per_provider",
    "reasoning_on",
    "served",
    "stream_chat",
]

PROMPT = "Say hello in one short sentence."


def chat_body(model: dict[str, Any] | str, text: str = PROMPT, **extra: Any) -> dict[str, Any]:
    """A one-turn request to ``model`` (a catalog entry or an id)."""
    model_id = model if isinstance(model, str) else model["id"]
    return {"model": model_id, "messages": [{"role": "user", "content": text}], **extra}


def reasoning_on(model: dict[str, Any]) -> dict[str, Any]:
    """Extra request fields that switch reasoning on, for the controls the model lists."""
    extra: dict[str, Any] = {}
    if "enable_thinking" in param_names(model):
        extra["enable_thinking"] = True
    spec = param(model, "reasoning_effort")
    if spec is not None:
        allowed = [v for v in spec.get("enum") or () if v not in ("none", "minimal")]
        if allowed and "medium" in allowed:
            extra["reasoning_effort"] = "medium"
        elif allowed:
            extra["reasoning_effort"] = allowed[0]
    return extra


def need(model: dict[str, Any] | None, what: str) -> dict[str, Any]:
    """``model``, or skip saying the catalog has no such model."""
    if model is None:
        pytest.skip(f"the deployment's catalog (/v1/models) lists no {what}")
    return model


def complete(api: ApiClient, body: Any, **kwargs: Any) -> httpx.Response:
    """``POST /v1/chat/completions`` with a JSON ``body``."""
    return api.post(CHAT, json=body, **kwargs)


@dataclass(frozen=True)
class TimedEvent:
    at: float  # seconds since the request was sent
    event: ServerSentEvent


@dataclass
class StreamResult:
    """Everything one streamed request produced, event by event."""

    status: int
    headers: httpx.Headers
    raw: bytes = b""
    events: list[TimedEvent] = field(default_factory=list)
    elapsed: float = 0.0

    @property
    def is_stream(self) -> bool:
        return str(self.headers.get("content-type", "")).startswith("text/event-stream")

    def json(self) -> Any:
        """The body of a non-stream answer (an error)."""
        return json.loads(self.raw)

    @property
    def data(self) -> list[str]:
        return [e.event.data for e in self.events]

    @property
    def payloads(self) -> list[dict[str, Any]]:
        """Every JSON object the stream carried, in order (``[DONE]`` and non-JSON data left out)."""
        out = []
        for d in self.data:
            if d.strip() == "[DONE]":
                continue
            try:
                value = json.loads(d)
            except json.JSONDecodeError:
                continue
            if isinstance(value, dict):
                out.append(value)
        return out

    @property
    def chunks(self) -> list[dict[str, Any]]:
        """The ``chat.completion.chunk`` frames that carry choices (not the usage or error frames)."""
        return [p for p in self.payloads if "error" not in p and p.get("choices")]

    def timed_chunks(self) -> list[tuple[float, dict[str, Any]]]:
        out = []
        for e in self.events:
            try:
                value = json.loads(e.event.data)
            except json.JSONDecodeError:
                continue
            if isinstance(value, dict) and "error" not in value and value.get("choices"):
                out.append((e.at, value))
        return out

    def _joined(self, key: str) -> str:
        return "".join((c.get("delta") or {}).get(key) or "" for chunk in self.chunks for c in chunk["choices"])

    @property
    def content(self) -> str:
        return self._joined("content")

    @property
    def reasoning(self) -> str:
        return self._joined("reasoning_content")

    @property
    def finish_reasons(self) -> list[str]:
        return [c["finish_reason"] for chunk in self.chunks for c in chunk["choices"] if c.get("finish_reason")]

    @property
    def text(self) -> str:
        return self.raw.decode("utf-8", "replace")

    def describe(self) -> str:
        return f"{self.status} {self.headers.get('content-type')!r}: {self.text[:300]!r}"


def stream_chat(api: ApiClient, body: Any, *, require_stream: bool = True, **kwargs: Any) -> StreamResult:
    """Send ``body`` with ``stream: true`` and collect every event with its arrival time.

    With ``require_stream`` (default) a non-stream answer fails the calling test, showing the body.
    """
    body = {**body, "stream": True} if isinstance(body, dict) else body
    started = time.monotonic()
    with api.stream("POST", CHAT, json=body, **kwargs) as response:
        result = StreamResult(response.status_code, response.headers)
        decoder = SSEDecoder()
        raw = bytearray()
        try:
            for piece in response.iter_bytes():
                raw += piece
                now = time.monotonic() - started
                result.events.extend(TimedEvent(now, e) for e in decoder.feed(piece))
        except httpx.TransportError as exc:
            raise AssertionError(f"the stream broke off at the transport level ({type(exc).__name__}: {exc}) "
                                 f"after {len(result.events)} events; a failure after the stream started must "
                                 f"be an error chunk followed by data: [DONE]") from None
        now = time.monotonic() - started
        result.events.extend(TimedEvent(now, e) for e in decoder.flush())
        result.raw = bytes(raw)
        result.elapsed = now
    if require_stream:
        assert response.status_code == 200 and result.is_stream, f"expected a 200 event stream, got {result.describe()}"
    return result


class Failures:
    """Run one check per model (or case) and report every failure at the end, not just the first."""

    def __init__(self) -> None:
        self.items: list[str] = []
        self.ran = 0

    @contextmanager
    def check(self, label: str) -> Iterator[None]:
        self.ran += 1
        try:
            yield
        except Exception as exc:  # noqa: BLE001 - collected and re-raised together below
            self.items.append(f"{label}: {type(exc).__name__}: {exc}" if not isinstance(exc, AssertionError)
                              else f"{label}: {exc}")

    def raise_any(self) -> None:
        if self.items:
            raise AssertionError(f"{len(self.items)} of {self.ran} failed:\n" + "\n".join(f"- {i}" for i in self.items))


def _unavailable(response: httpx.Response) -> bool:
    if response.status_code != 503:
        return False
    try:
        return bool(response.json()["error"]["code"] == "model_unavailable")
    except (ValueError, KeyError, TypeError):
        return False


def served(api: ApiClient, model: dict[str, Any]) -> bool:
    """Whether the deployment serves ``model`` right now: a plain request is not answered 503
    ``model_unavailable`` (the documented "worker temporarily offline"). Learnt once per session."""
    memo: dict[str, bool] = api.memo.setdefault("served", {})
    if model["id"] not in memo:
        memo[model["id"]] = not _unavailable(complete(api, chat_body(model)))
    return memo[model["id"]]


def per_provider(discovery: Discovery, api: ApiClient | None = None,
                 models: list[dict[str, Any]] | None = None, *, tries: int = 3) -> list[dict[str, Any]]:
    """One model per provider (``owned_by``): the first id in sorted order that the deployment serves.

    A provider whose first ``tries`` models all answer 503 ``model_unavailable`` is left out with a
    warning (its conformance cannot be checked while its workers are offline); if no provider is
    served at all, the calling test fails.
    """
    pool = discovery.chat_models() if models is None else models
    if not pool:
        pytest.skip("the deployment's catalog lists no available Chat Completions model of this kind")
    if api is None:
        return discovery.per_provider(pool)
    groups: dict[str, list[dict[str, Any]]] = {}
    for m in sorted(pool, key=lambda m: m["id"]):
        groups.setdefault(str(m.get("owned_by", "")), []).append(m)
    chosen, offline = [], []
    for provider in sorted(groups):
        found = next((m for m in groups[provider][:tries] if served(api, m)), None)
        if found is None:
            offline.append(f"{provider} ({', '.join(m['id'] for m in groups[provider][:tries])})")
        else:
            chosen.append(found)
    if offline:
        warnings.warn(UserWarning(f"listed as available but answered 503 model_unavailable, left out: "
                                  f"{'; '.join(offline)}"), stacklevel=2)
    assert chosen, f"every provider's models answered 503 model_unavailable: {offline}"
    return chosen


class ResponseCache:
    """Answers to identical requests, shared by the checks of one session that only read them.

    Every entry is fetched inside the first test that needs it, so contract violations in it fail that
    test. Use it as a session fixture, never as module state: each pytest session (and each pytester
    run of the self-tests) must see its own deployment's answers.
    """

    def __init__(self) -> None:
        self._streams: dict[str, StreamResult] = {}
        self._answers: dict[str, httpx.Response] = {}

    def stream(self, api: ApiClient, body: dict[str, Any]) -> StreamResult:
        key = json.dumps(body, sort_keys=True)
        if key not in self._streams:
            self._streams[key] = stream_chat(api, body)
        return self._streams[key]

    def complete(self, api: ApiClient, body: dict[str, Any]) -> httpx.Response:
        key = json.dumps(body, sort_keys=True)
        if key not in self._answers or self._answers[key].status_code != 200:
            self._answers[key] = complete(api, body)
        return self._answers[key]
