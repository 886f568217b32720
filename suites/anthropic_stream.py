"""Helpers the Anthropic Messages suites share: request bodies, model choice, and a stream collector.

Requests go out the way Anthropic clients send them (``x-api-key`` and ``anthropic-version``), through
the suites' :class:`~suites.client.ApiClient`, so the contract transport validates every answer and every
stream event. Models always come from the deployment's own catalog (:mod:`suites.selection`).
"""

from __future__ import annotations

from typing import Any, ClassVar

import httpx

from suites.client import ApiClient
from suites.discovery import param_names
from suites.selection import Route, reasoning_on, unavailable
from suites.streams import EventStream, collect

__all__ = [
    "MESSAGES",
    "PROMPT",
    "VERSION",
    "AnthropicStream",
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

_ROUTE = Route(MESSAGES, probe=lambda api, model: create(api, message_body(model, max_tokens=16)),
               offline=lambda response: unavailable(response, "type", "overloaded_error"),
               controls=frozenset({"thinking", "reasoning_effort", "enable_thinking", "thinking_budget"}))
served = _ROUTE.served
per_provider = _ROUTE.per_provider
plain_model = _ROUTE.plain_model
tool_models = _ROUTE.tool_models
reasoners = _ROUTE.reasoners
"""One reasoner per provider: ``capabilities.thinking`` and a way to switch reasoning on that the catalog
names — Anthropic's ``thinking`` parameter, a DeepSeek-style control (``reasoning_effort``,
``enable_thinking``, ``thinking_budget``), or an id naming a reasoner (``reasoner``, ``r1``)."""


def reasoning_extra(model: dict[str, Any]) -> dict[str, Any]:
    """Request fields that switch reasoning on, for the controls the model lists (``max_tokens`` above
    an Anthropic thinking budget)."""
    if "thinking" in param_names(model):
        return {"thinking": {"type": "enabled", "budget_tokens": 1024}, "max_tokens": 2048}
    return reasoning_on(model)


# ----- streams ---------------------------------------------------------------------------------------


class AnthropicStream(EventStream):
    """Everything one streamed /v1/messages request produced, event by event."""

    failure_rule: ClassVar[str] = ("a failure after an Anthropic stream started must be one `event: error` that ends "
                                   "the stream")

    def _deltas(self, kind: str, key: str) -> str:
        return "".join(str((p.get("delta") or {}).get(key) or "") for p in self.of_type("content_block_delta")
                       if (p.get("delta") or {}).get("type") == kind)

    @property
    def text(self) -> str:
        return self._deltas("text_delta", "text")

    @property
    def thinking(self) -> str:
        return self._deltas("thinking_delta", "thinking")


def stream_messages(api: ApiClient, body: Any, *, require_stream: bool = True, version: bool = True,
                    auth: Any = "x-api-key", headers: dict[str, str | bytes] | None = None,
                    **kwargs: Any) -> AnthropicStream:
    """Send ``body`` with ``stream: true`` and collect every event. With ``require_stream`` (default) an
    answer that is not a 200 event stream fails the calling test, showing the body."""
    return collect(api, MESSAGES, body, AnthropicStream, require_stream=require_stream, auth=auth,
                   headers=_headers(version, headers), **kwargs)
