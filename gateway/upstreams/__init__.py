"""Upstream adapters, one per provider family, in one registry keyed by the catalog's family slug.

An adapter takes a :class:`gateway.ir.ChatRequest` and returns a :class:`gateway.ir.ChatResult`, or
yields :mod:`gateway.ir.events` while the upstream streams. Failures are :class:`gateway.errors` raised
through :func:`gateway.upstreams.http.upstream_errors`, so no provider detail reaches a client.
"""

from __future__ import annotations

from gateway.catalog import Catalog
from gateway.config import Settings
from gateway.upstreams.anthropic import AnthropicAdapter
from gateway.upstreams.base import ChatAdapter
from gateway.upstreams.deepreasoning import DeepReasoningAdapter
from gateway.upstreams.embeddings import EmbeddingAdapter, EmbeddingsAdapter
from gateway.upstreams.http import UpstreamHTTP
from gateway.upstreams.images import ImageAdapter, ImageUpstream
from gateway.upstreams.openai_compat import DEEPSEEK, OPENAI, OpenAICompatibleAdapter
from gateway.upstreams.speech import SpeechAdapter, SpeechUpstream

__all__ = ["ChatAdapter", "EmbeddingAdapter", "ImageAdapter", "SpeechAdapter", "build_adapters", "build_embedders",
           "build_imagers", "build_speakers"]


def build_adapters(settings: Settings, http: UpstreamHTTP, catalog: Catalog) -> dict[str, ChatAdapter]:
    """Every chat-capable family's adapter, bound to its configured base URL and key."""
    up = settings.upstreams
    adapters: dict[str, ChatAdapter] = {
        "openai": OpenAICompatibleAdapter(http, up["openai"], OPENAI),
        "deepseek": OpenAICompatibleAdapter(http, up["deepseek"], DEEPSEEK),
        "anthropic": AnthropicAdapter(http, up["anthropic"]),
    }
    adapters["deepreasoning"] = DeepReasoningAdapter(dict(adapters), catalog)
    return adapters


def build_embedders(settings: Settings, http: UpstreamHTTP) -> dict[str, EmbeddingAdapter]:
    """Every embeddings-capable family's adapter (D-78)."""
    return {"embeddings": EmbeddingsAdapter(http, settings.upstreams["embeddings"])}


def build_speakers(settings: Settings, http: UpstreamHTTP) -> dict[str, SpeechAdapter]:
    """Every speech-capable family's adapter (D-87)."""
    return {"audio": SpeechUpstream(http, settings.upstreams["audio"])}


def build_imagers(settings: Settings, http: UpstreamHTTP) -> dict[str, ImageAdapter]:
    """Every image-generation family's adapter (D-107)."""
    return {"media": ImageUpstream(http, settings.upstreams["media"])}
