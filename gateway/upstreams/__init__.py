"""Upstream adapters, one per provider family, in one registry keyed by the catalog's family slug.

An adapter takes a :class:`gateway.ir.ChatRequest` and returns a :class:`gateway.ir.ChatResult`, or
yields :mod:`gateway.ir.events` while the upstream streams. Failures are :class:`gateway.errors` raised
through :func:`gateway.upstreams.http.upstream_errors`, so no provider detail reaches a client.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Protocol

from gateway.config import Settings
from gateway.ir import ChatRequest, ChatResult, StreamEvent
from gateway.upstreams.http import UpstreamHTTP

__all__ = ["ChatAdapter", "build_adapters"]


class ChatAdapter(Protocol):
    async def complete(self, request: ChatRequest) -> ChatResult: ...

    def stream(self, request: ChatRequest) -> AsyncIterator[StreamEvent]: ...


def build_adapters(settings: Settings, http: UpstreamHTTP) -> dict[str, ChatAdapter]:
    """Every chat-capable family's adapter, bound to its configured base URL and key."""
    from gateway.upstreams.anthropic import AnthropicAdapter
    from gateway.upstreams.openai_compat import DEEPSEEK, OPENAI, OpenAICompatibleAdapter

    up = settings.upstreams
    return {
        "openai": OpenAICompatibleAdapter(http, up["openai"], OPENAI),
        "deepseek": OpenAICompatibleAdapter(http, up["deepseek"], DEEPSEEK),
        "anthropic": AnthropicAdapter(http, up["anthropic"]),
    }
