"""Helpers the Chat Completions suites share: request bodies, a stream collector, per-model loops.

Models are always chosen from the deployment's own catalog (:mod:`suites.discovery`, :mod:`suites.selection`);
nothing here names a model id.
"""

from __future__ import annotations

import json
from typing import Any, ClassVar

import httpx
import pytest

from suites.client import ApiClient
from suites.discovery import CHAT, Discovery, lacking
from suites.selection import Failures, Route, choose_per_provider, need, reasoning_on, unavailable
from suites.streams import EventStream, SharedViolations, StreamCache, TimedEvent, collect

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


def complete(api: ApiClient, body: Any, **kwargs: Any) -> httpx.Response:
    """``POST /v1/chat/completions`` with a JSON ``body``."""
    return api.post(CHAT, json=body, **kwargs)


class StreamResult(EventStream):
    """Everything one streamed Chat Completions request produced, chunk by chunk."""

    failure_rule: ClassVar[str] = "a failure after the stream started must be an error chunk followed by data: [DONE]"

    @property
    def chunks(self) -> list[dict[str, Any]]:
        """The ``chat.completion.chunk`` frames that carry choices (not the usage or error frames)."""
        return [p for p in self.payloads if "error" not in p and p.get("choices")]

    def timed_chunks(self) -> list[tuple[float, dict[str, Any]]]:
        return [(at, p) for at, p in self.timed_payloads() if "error" not in p and p.get("choices")]

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
        """The raw body, decoded."""
        return self.body


def stream_chat(api: ApiClient, body: Any, *, require_stream: bool = True, **kwargs: Any) -> StreamResult:
    """Send ``body`` with ``stream: true`` and collect every event with its arrival time.

    With ``require_stream`` (default) a non-stream answer fails the calling test, showing the body.
    """
    return collect(api, CHAT, body, StreamResult, require_stream=require_stream, **kwargs)


_ROUTE = Route(CHAT, probe=lambda api, model: complete(api, chat_body(model)),
               offline=lambda response: unavailable(response, "code", "model_unavailable"))
served = _ROUTE.served


def per_provider(discovery: Discovery, api: ApiClient | None = None,
                 models: list[dict[str, Any]] | None = None, *, tries: int = 3) -> list[dict[str, Any]]:
    """One model per provider (``owned_by``): the first id in sorted order that the deployment serves.

    A provider whose first ``tries`` models all answer 503 ``model_unavailable`` is left out with a
    warning (its conformance cannot be checked while its workers are offline); if no provider is
    served at all, the calling test fails.
    """
    pool = discovery.chat_models() if models is None else models
    if not pool:
        pytest.skip(lacking("available Chat Completions model of this kind", "chat"))
    if api is None:
        return discovery.per_provider(pool)
    return choose_per_provider(pool, lambda m: served(api, m), endpoint=CHAT, tries=tries)


class ResponseCache:
    """Answers to identical requests, shared by the checks of one session that only read them.

    Every entry is fetched inside the first test that needs it; contract violations in it fail that test
    and every later test that reads it. Use it as a session fixture, never as module state: each pytest
    session (and each pytester run of the self-tests) must see its own deployment's answers.
    """

    def __init__(self) -> None:
        self._streams = StreamCache(stream_chat)
        self._answers: dict[str, httpx.Response] = {}
        self._violations = SharedViolations()

    def stream(self, api: ApiClient, body: dict[str, Any]) -> StreamResult:
        return self._streams.get(api, body)

    def complete(self, api: ApiClient, body: dict[str, Any]) -> httpx.Response:
        key = json.dumps(body, sort_keys=True)
        if key not in self._answers or self._answers[key].status_code != 200:
            self._answers[key] = self._violations.fetch(api, key, lambda: complete(api, body))
        else:
            self._violations.reuse(api, key)
        return self._answers[key]
