"""Transitional: a codec still written against the old interface (a defect switch argument, bytes
out of its stream encoder) behind the new :class:`~gateway.formats.codec.Codec` one.

Deleted once the Messages and Responses codecs return frames and take no switch.
"""

from __future__ import annotations

from typing import Any

from gateway.catalog import Catalog
from gateway.errors import GatewayError
from gateway.formats.frames import Frame
from gateway.ir import ChatRequest, ChatResult, StreamEvent, Usage
from gateway.sse import SSEDecoder

__all__ = ["LegacyCodec"]


def _frames(raw: bytes) -> list[Frame]:
    return [Frame(event.event, event.data) for event in SSEDecoder().feed(raw)]


class _LegacyEncoder:
    def __init__(self, inner: Any) -> None:
        self.inner = inner

    @property
    def usage(self) -> Usage | None:
        usage: Usage | None = self.inner.usage
        return usage

    def start(self) -> list[Frame]:
        return _frames(self.inner.start())

    def event(self, event: StreamEvent) -> list[Frame]:
        return _frames(self.inner.event(event))

    def end(self) -> list[Frame]:
        return _frames(self.inner.end())

    def error(self, error: GatewayError) -> list[Frame]:
        return _frames(self.inner.error(error))


class LegacyCodec:
    def __init__(self, inner: Any, switch: Any) -> None:
        self.inner, self.switch = inner, switch

    def decode(self, raw: bytes, catalog: Catalog) -> ChatRequest:
        request: ChatRequest = self.inner.decode(raw, catalog, self.switch)
        return request

    def encode(self, request: ChatRequest, result: ChatResult) -> dict[str, Any]:
        body: dict[str, Any] = self.inner.encode(request, result, self.switch)
        return body

    def stream_encoder(self, request: ChatRequest) -> _LegacyEncoder:
        return _LegacyEncoder(self.inner.stream_encoder(request, self.switch))
