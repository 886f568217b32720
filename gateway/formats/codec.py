"""What a wire format contributes to the generation runner: a :class:`Codec` and its :class:`StreamEncoder`.

The runner (:mod:`gateway.routes.generate`) finds the codec of each request in ``GatewayState.codecs``
by format name, so the codecs are one replaceable table. A format that keeps state between requests
(Responses, D-53) also contributes a :class:`Conversation`, in ``GatewayState.conversations``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from starlette.types import Scope

from gateway.catalog import Catalog
from gateway.errors import GatewayError
from gateway.formats.frames import Frame
from gateway.ir import ChatRequest, ChatResult, StreamEvent, Usage

__all__ = ["Codec", "Conversation", "StreamEncoder"]


class StreamEncoder(Protocol):
    """One stream's encoder: :meth:`start`, :meth:`event` per IR event, then :meth:`end` or :meth:`error`."""

    @property
    def usage(self) -> Usage | None: ...

    def start(self) -> Sequence[Frame]: ...

    def event(self, event: StreamEvent) -> Sequence[Frame]: ...

    def end(self) -> Sequence[Frame]: ...

    def error(self, error: GatewayError) -> Sequence[Frame]: ...


class Codec(Protocol):
    """Request bytes → IR, IR result → response body, IR request → a stream encoder."""

    def decode(self, raw: bytes, catalog: Catalog) -> ChatRequest: ...

    def encode(self, request: ChatRequest, result: ChatResult) -> dict[str, Any]: ...

    def stream_encoder(self, request: ChatRequest) -> StreamEncoder: ...


class Conversation(Protocol):
    """What a request continues (before admission) and what its finished answer leaves behind."""

    async def resume(self, scope: Scope, request: ChatRequest) -> None: ...

    async def keep(self, scope: Scope, request: ChatRequest, response: dict[str, Any] | None) -> None: ...

    async def keep_stream(self, scope: Scope, request: ChatRequest, frames: Sequence[Frame]) -> None: ...
