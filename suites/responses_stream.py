"""Helpers the OpenAI Responses suites share: request bodies, model choice, and a stream collector.

Requests go through the suites' :class:`~suites.client.ApiClient`, so the contract transport validates
every answer and every stream event. Models always come from the deployment's own catalog.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from suites.anthropic_stream import choose_per_provider
from suites.client import ApiClient
from suites.discovery import Discovery, param, param_names
from suites.sse import ServerSentEvent, SSEDecoder

__all__ = [
    "PROMPT",
    "RESPONSES",
    "ResponsesStream",
    "create",
    "per_provider",
    "plain_model",
    "reasoners",
    "reasoning_extra",
    "response_body",
    "served",
    "stream_responses",
    "tool_models",
]

RESPONSES = "/v1/responses"
PROMPT = "Say hello in one short sentence."
_CONTROLS = {"reasoning", "reasoning_effort", "enable_thinking", "thinking_budget"}


def response_body(model: dict[str, Any] | str, text: Any = PROMPT, **extra: Any) -> dict[str, Any]:
    """A Responses request to ``model`` (a catalog entry or an id) with ``input`` = ``text``."""
    model_id = model if isinstance(model, str) else model["id"]
    return {"model": model_id, "input": text, **extra}


def create(api: ApiClient, body: Any, **kwargs: Any) -> httpx.Response:
    """``POST /v1/responses``. ``body`` bytes are sent as they are."""
    if isinstance(body, (bytes, str)):
        headers = {"content-type": "application/json", **kwargs.pop("headers", {})}
        return api.post(RESPONSES, content=body, headers=headers, **kwargs)
    return api.post(RESPONSES, json=body, **kwargs)


# ----- which models ----------------------------------------------------------------------------------


def _unavailable(response: httpx.Response) -> bool:
    if response.status_code != 503:
        return False
    try:
        return bool(response.json()["error"]["code"] == "model_unavailable")
    except (ValueError, KeyError, TypeError):
        return False


def served(api: ApiClient, model: dict[str, Any]) -> bool:
    """Whether the deployment serves ``model`` on /v1/responses now (a plain request is not 503
    ``model_unavailable``). Learnt once per session."""
    memo: dict[str, bool] = api.memo.setdefault("served" + RESPONSES, {})
    if model["id"] not in memo:
        memo[model["id"]] = not _unavailable(create(api, response_body(model, max_output_tokens=16)))
    return memo[model["id"]]


def _models(discovery: Discovery) -> list[dict[str, Any]]:
    return sorted(discovery.serving(RESPONSES), key=lambda m: m["id"])


def per_provider(discovery: Discovery, api: ApiClient, models: list[dict[str, Any]] | None = None, *,
                 what: str = "model") -> list[dict[str, Any]]:
    """One served model per provider among ``models`` (default: every model serving /v1/responses)."""
    pool = _models(discovery) if models is None else models
    return choose_per_provider(pool, lambda m: served(api, m), endpoint=RESPONSES, what=what)


def plain_model(discovery: Discovery, api: ApiClient) -> dict[str, Any]:
    """The simplest /v1/responses route: a served model that does not reason, preferably owned by openai."""
    pool = _models(discovery)
    plain = [m for m in pool if not (m.get("capabilities") or {}).get("thinking")] or pool
    for m in sorted(plain, key=lambda m: (m.get("owned_by") != "openai", m["id"])):
        if served(api, m):
            return m
    pytest.skip("the deployment's catalog lists no /v1/responses model it serves")


def tool_models(discovery: Discovery, api: ApiClient) -> list[dict[str, Any]]:
    """One tool-capable model per provider (``capabilities.tool_calling`` and ``tools`` listed)."""
    pool = [m for m in _models(discovery)
            if (m.get("capabilities") or {}).get("tool_calling") and "tools" in param_names(m)]
    return per_provider(discovery, api, pool, what="tool-capable model (capabilities.tool_calling + tools)")


def reasoners(discovery: Discovery, api: ApiClient) -> list[dict[str, Any]]:
    """One reasoner per provider: ``capabilities.thinking`` and a reasoning control the Responses format
    can carry (``reasoning``, ``reasoning_effort``, ``enable_thinking``, ``thinking_budget``) or an id
    naming a reasoner (``reasoner``, ``r1``)."""
    pool = [m for m in _models(discovery) if (m.get("capabilities") or {}).get("thinking") and (
        param_names(m) & _CONTROLS or "reasoner" in m["id"] or "r1" in m["id"])]
    return per_provider(discovery, api, pool, what="reasoning model (capabilities.thinking with a reasoning control)")


def reasoning_extra(model: dict[str, Any]) -> dict[str, Any]:
    """Request fields that switch reasoning on, for the controls the model lists."""
    names = param_names(model)
    extra: dict[str, Any] = {}
    if "enable_thinking" in names:
        extra["enable_thinking"] = True
    spec = param(model, "reasoning_effort")
    if spec is not None:
        allowed = [v for v in spec.get("enum") or () if v not in ("none", "minimal")]
        if allowed:
            extra["reasoning_effort"] = "medium" if "medium" in allowed else allowed[0]
    elif "reasoning" in names:
        extra["reasoning"] = {"effort": "medium"}
    return extra


# ----- streams ---------------------------------------------------------------------------------------


@dataclass
class ResponsesStream:
    """Everything one streamed /v1/responses request produced, event by event."""

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
        return [e.event or "message" for e in self.events]

    @property
    def types(self) -> list[str]:
        return [str(p.get("type")) for p in self.payloads]

    def of_type(self, kind: str) -> list[dict[str, Any]]:
        return [p for p in self.payloads if p.get("type") == kind]

    @property
    def text(self) -> str:
        return "".join(str(p.get("delta") or "") for p in self.of_type("response.output_text.delta"))

    @property
    def reasoning(self) -> str:
        return "".join(str(p.get("delta") or "") for p in self.of_type("response.reasoning_text.delta"))

    @property
    def final(self) -> dict[str, Any] | None:
        """The response of the terminal event (completed, incomplete or failed), if any."""
        for p in reversed(self.payloads):
            if p.get("type") in ("response.completed", "response.incomplete", "response.failed"):
                return p.get("response")  # type: ignore[no-any-return]
        return None

    @property
    def body(self) -> str:
        return self.raw.decode("utf-8", "replace")

    def json(self) -> Any:
        return json.loads(self.raw)

    def describe(self) -> str:
        return f"{self.status} {self.headers.get('content-type')!r}: {self.body[:300]!r}"


def stream_responses(api: ApiClient, body: Any, *, require_stream: bool = True, **kwargs: Any) -> ResponsesStream:
    """Send ``body`` with ``stream: true`` and collect every event. With ``require_stream`` (default) an
    answer that is not a 200 event stream fails the calling test, showing the body."""
    body = {**body, "stream": True} if isinstance(body, dict) else body
    started = time.monotonic()
    with api.stream("POST", RESPONSES, json=body, **kwargs) as response:
        result = ResponsesStream(response.status_code, response.headers)
        decoder = SSEDecoder()
        raw = bytearray()
        try:
            for piece in response.iter_bytes():
                raw += piece
                result.events.extend(decoder.feed(piece))
        except httpx.TransportError as exc:
            raise AssertionError(f"the stream broke off at the transport level ({type(exc).__name__}: {exc}) after "
                                 f"{len(result.events)} events; a failure after a Responses stream started must be "
                                 f"an `error` event then `response.failed`") from None
        result.events.extend(decoder.flush())
        result.raw = bytes(raw)
        result.elapsed = time.monotonic() - started
    if require_stream:
        assert response.status_code == 200 and result.is_stream, f"expected a 200 event stream, got {result.describe()}"
    return result
