"""Helpers the Anthropic Messages suites share: request bodies, model choice, and a stream collector.

Requests go out the way Anthropic clients send them (``x-api-key`` and ``anthropic-version``), through
the suites' :class:`~suites.client.ApiClient`, so the contract transport validates every answer and every
stream event. Models always come from the deployment's own catalog (:mod:`suites.discovery`).
"""

from __future__ import annotations

import json
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from suites.chat import reasoning_on
from suites.client import ApiClient
from suites.discovery import Discovery, param_names
from suites.sse import ServerSentEvent, SSEDecoder

__all__ = [
    "MESSAGES",
    "PROMPT",
    "VERSION",
    "AnthropicStream",
    "choose_per_provider",
    "create",
    "message_body",
    "per_provider",
    "plain_model",
    "reasoners",
    "reasoning_extra",
    "served",
    "stream_messages",
    "tool_models",
]

MESSAGES = "/v1/messages"
VERSION = "2023-06-01"
PROMPT = "Say hello in one short sentence."
MAX_TOKENS = 1024  # room for a reasoner's thinking on real deployments; the mocks answer in ~50 tokens


def message_body(model: dict[str, Any] | str, text: str = PROMPT, *, max_tokens: int = MAX_TOKENS,
                 **extra: Any) -> dict[str, Any]:
    """A one-turn Messages request to ``model`` (a catalog entry or an id)."""
    model_id = model if isinstance(model, str) else model["id"]
    return {"model": model_id, "max_tokens": max_tokens, "messages": [{"role": "user", "content": text}], **extra}


def _headers(version: bool, headers: dict[str, str | bytes] | None) -> dict[str, str | bytes]:
    out: dict[str, str | bytes] = {"anthropic-version": VERSION} if version else {}
    out.update(headers or {})
    return out


def create(api: ApiClient, body: Any, *, version: bool = True, auth: Any = "x-api-key",
           headers: dict[str, str | bytes] | None = None, **kwargs: Any) -> httpx.Response:
    """``POST /v1/messages`` as an Anthropic client sends it. ``body`` bytes are sent as they are."""
    if isinstance(body, (bytes, str)):
        merged = {"content-type": "application/json", **_headers(version, headers)}
        return api.post(MESSAGES, content=body, auth=auth, headers=merged, **kwargs)
    return api.post(MESSAGES, json=body, auth=auth, headers=_headers(version, headers), **kwargs)


# ----- which models ----------------------------------------------------------------------------------


def _unavailable(response: httpx.Response) -> bool:
    if response.status_code != 503:
        return False
    try:
        return bool(response.json()["error"]["type"] == "overloaded_error")
    except (ValueError, KeyError, TypeError):
        return False


def served(api: ApiClient, model: dict[str, Any]) -> bool:
    """Whether the deployment serves ``model`` on /v1/messages now: a plain request is not a 503
    (the documented "worker temporarily offline"). Learnt once per session."""
    memo: dict[str, bool] = api.memo.setdefault("served" + MESSAGES, {})
    if model["id"] not in memo:
        memo[model["id"]] = not _unavailable(create(api, message_body(model, max_tokens=16)))
    return memo[model["id"]]


def _models(discovery: Discovery) -> list[dict[str, Any]]:
    return sorted(discovery.serving(MESSAGES), key=lambda m: m["id"])


def choose_per_provider(pool: list[dict[str, Any]], is_served: Callable[[dict[str, Any]], bool], *, endpoint: str,
                        what: str = "model", tries: int = 3) -> list[dict[str, Any]]:
    """One model per provider (``owned_by``) among ``pool``: the first id in sorted order that
    ``is_served``. A provider whose first ``tries`` models all answer 503 is left out with a warning (its
    conformance cannot be checked while its workers are offline); if none is served, the test fails."""
    if not pool:
        pytest.skip(f"the deployment's catalog lists no available {endpoint} {what}")
    groups: dict[str, list[dict[str, Any]]] = {}
    for m in sorted(pool, key=lambda m: m["id"]):
        groups.setdefault(str(m.get("owned_by", "")), []).append(m)
    chosen, offline = [], []
    for provider in sorted(groups):
        found = next((m for m in groups[provider][:tries] if is_served(m)), None)
        if found is None:
            offline.append(f"{provider} ({', '.join(m['id'] for m in groups[provider][:tries])})")
        else:
            chosen.append(found)
    if offline:
        warnings.warn(UserWarning(f"{endpoint}: listed as available but answered 503, left out: {'; '.join(offline)}"),
                      stacklevel=3)
    assert chosen, f"every provider's {endpoint} models answered 503: {offline}"
    return chosen


def per_provider(discovery: Discovery, api: ApiClient, models: list[dict[str, Any]] | None = None, *,
                 what: str = "model") -> list[dict[str, Any]]:
    """One served model per provider among ``models`` (default: every model serving /v1/messages)."""
    pool = _models(discovery) if models is None else models
    return choose_per_provider(pool, lambda m: served(api, m), endpoint=MESSAGES, what=what)


def plain_model(discovery: Discovery, api: ApiClient) -> dict[str, Any]:
    """The simplest /v1/messages route: a served model that does not reason, preferably owned by openai."""
    pool = _models(discovery)
    plain = [m for m in pool if not (m.get("capabilities") or {}).get("thinking")] or pool
    for m in sorted(plain, key=lambda m: (m.get("owned_by") != "openai", m["id"])):
        if served(api, m):
            return m
    pytest.skip("the deployment's catalog lists no /v1/messages model it serves")


def tool_models(discovery: Discovery, api: ApiClient) -> list[dict[str, Any]]:
    """One tool-capable model per provider: ``capabilities.tool_calling`` and ``tools`` in
    ``supported_parameters``."""
    pool = [m for m in _models(discovery)
            if (m.get("capabilities") or {}).get("tool_calling") and "tools" in param_names(m)]
    return per_provider(discovery, api, pool, what="tool-capable model (capabilities.tool_calling + tools)")


def reasoners(discovery: Discovery, api: ApiClient) -> list[dict[str, Any]]:
    """One reasoner per provider: ``capabilities.thinking`` and a way to switch reasoning on that the
    catalog names — Anthropic's ``thinking`` parameter, a DeepSeek-style control (``reasoning_effort``,
    ``enable_thinking``, ``thinking_budget``), or an id naming a reasoner (``reasoner``, ``r1``)."""
    pool = [m for m in _models(discovery) if (m.get("capabilities") or {}).get("thinking") and (
        param_names(m) & {"thinking", "reasoning_effort", "enable_thinking", "thinking_budget"}
        or "reasoner" in m["id"] or "r1" in m["id"])]
    return per_provider(discovery, api, pool, what="reasoning model (capabilities.thinking with a reasoning control)")


def reasoning_extra(model: dict[str, Any]) -> dict[str, Any]:
    """Request fields that switch reasoning on, for the controls the model lists (``max_tokens`` above
    an Anthropic thinking budget)."""
    if "thinking" in param_names(model):
        return {"thinking": {"type": "enabled", "budget_tokens": 1024}, "max_tokens": 2048}
    return reasoning_on(model)


# ----- streams ---------------------------------------------------------------------------------------


@dataclass
class AnthropicStream:
    """Everything one streamed /v1/messages request produced, event by event."""

    status: int
    headers: httpx.Headers
    raw: bytes = b""
    events: list[ServerSentEvent] = field(default_factory=list)
    elapsed: float = 0.0

    @property
    def is_stream(self) -> bool:
        return str(self.headers.get("content-type", "")).startswith("text/event-stream")

    @property
    def payloads(self) -> list[dict[str, Any]]:
        """Every event's JSON data, in order (data that is not a JSON object is left out)."""
        out = []
        for e in self.events:
            try:
                value = json.loads(e.data)
            except json.JSONDecodeError:
                continue
            if isinstance(value, dict):
                out.append(value)
        return out

    @property
    def names(self) -> list[str]:
        """The ``event:`` names in order (``message`` for an unnamed event)."""
        return [e.event or "message" for e in self.events]

    @property
    def types(self) -> list[str]:
        return [str(p.get("type")) for p in self.payloads]

    def of_type(self, kind: str) -> list[dict[str, Any]]:
        return [p for p in self.payloads if p.get("type") == kind]

    def _deltas(self, kind: str, key: str) -> str:
        return "".join(str((p.get("delta") or {}).get(key) or "") for p in self.of_type("content_block_delta")
                       if (p.get("delta") or {}).get("type") == kind)

    @property
    def text(self) -> str:
        return self._deltas("text_delta", "text")

    @property
    def thinking(self) -> str:
        return self._deltas("thinking_delta", "thinking")

    @property
    def body(self) -> str:
        return self.raw.decode("utf-8", "replace")

    def json(self) -> Any:
        return json.loads(self.raw)

    def describe(self) -> str:
        return f"{self.status} {self.headers.get('content-type')!r}: {self.body[:300]!r}"


def stream_messages(api: ApiClient, body: Any, *, require_stream: bool = True, version: bool = True,
                    auth: Any = "x-api-key", headers: dict[str, str | bytes] | None = None,
                    **kwargs: Any) -> AnthropicStream:
    """Send ``body`` with ``stream: true`` and collect every event. With ``require_stream`` (default) an
    answer that is not a 200 event stream fails the calling test, showing the body."""
    body = {**body, "stream": True} if isinstance(body, dict) else body
    started = time.monotonic()
    with api.stream("POST", MESSAGES, json=body, auth=auth, headers=_headers(version, headers), **kwargs) as response:
        result = AnthropicStream(response.status_code, response.headers)
        decoder = SSEDecoder()
        raw = bytearray()
        try:
            for piece in response.iter_bytes():
                raw += piece
                result.events.extend(decoder.feed(piece))
        except httpx.TransportError as exc:
            raise AssertionError(f"the stream broke off at the transport level ({type(exc).__name__}: {exc}) after "
                                 f"{len(result.events)} events; a failure after an Anthropic stream started must be "
                                 f"one `event: error` that ends the stream") from None
        result.events.extend(decoder.flush())
        result.raw = bytes(raw)
        result.elapsed = time.monotonic() - started
    if require_stream:
        assert response.status_code == 200 and result.is_stream, f"expected a 200 event stream, got {result.describe()}"
    return result
