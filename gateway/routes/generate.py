"""One runner for every text-generation format: decode → admit → adapter (by upstream family) → encode.

A :class:`Codec` is what a format contributes (``formats/<format>/``); the runner is the same for Chat
Completions, Messages and Responses. A stream is opened only once the upstream's first event arrived,
so a failure before any output is an HTTP error in the format's envelope; after that, failures are
in-band (each format's own error frame). Cost is recorded for settlement even when a stream is cut.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any, Protocol

from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

from gateway.catalog import Catalog
from gateway.defects import DefectSwitch
from gateway.errors import GatewayError, InvalidRequest, ModelUnavailable
from gateway.ir import ChatRequest, ChatResult, StreamEvent, Usage
from gateway.middleware.credits import charge
from gateway.middleware.gate import admit
from gateway.routes.testmode import maybe_fail
from gateway.state import GatewayState, state_of
from gateway.upstreams import ChatAdapter

__all__ = ["Codec", "StreamEncoder", "generation_route"]

SSE_HEADERS = {"cache-control": "no-cache", "x-accel-buffering": "no"}


class StreamEncoder(Protocol):
    usage: Usage | None

    def start(self) -> bytes: ...

    def event(self, event: StreamEvent) -> bytes: ...

    def end(self) -> bytes: ...

    def error(self, error: GatewayError) -> bytes: ...


class Codec(Protocol):
    def decode(self, raw: bytes, catalog: Catalog, defects: DefectSwitch) -> ChatRequest: ...

    def encode(self, request: ChatRequest, result: ChatResult, defects: DefectSwitch) -> dict[str, Any]: ...

    def stream_encoder(self, request: ChatRequest, defects: DefectSwitch) -> StreamEncoder: ...


def _adapter(state: GatewayState, ir: ChatRequest) -> ChatAdapter:
    adapter = state.adapters.get(ir.model.upstream_family)
    if adapter is None:
        raise ModelUnavailable(f"The model '{ir.model.id}' is not available on this deployment.")
    return adapter


def _require_json(request: Request) -> None:
    """A body declared as something other than JSON is refused (an absent Content-Type is tolerated)."""
    declared = request.headers.get("content-type")
    if declared is None:
        return
    media = declared.split(";", 1)[0].strip().lower()
    if media != "application/json" and not media.endswith("+json"):
        raise InvalidRequest(f"Content-Type must be application/json, not '{media}'.", code="invalid_content_type")


def generation_route(codec: Codec) -> Callable[[Request], Awaitable[Response]]:
    """The Starlette endpoint serving ``codec``'s format."""

    async def endpoint(request: Request) -> Response:
        state = state_of(request.scope)
        maybe_fail(request)
        if not state.defects.on("chat_content_type_unchecked"):
            _require_json(request)
        if state.defects.on("anthropic_version_required") and request.url.path == "/v1/messages" \
                and "anthropic-version" not in request.headers:
            raise InvalidRequest("anthropic-version header required.", param="anthropic-version")
        ir = codec.decode(await request.body(), state.catalog, state.defects)
        adapter = _adapter(state, ir)
        admit(request.scope)
        if not ir.stream:
            result = await adapter.complete(ir)
            charge(request.scope, ir.cost(result.usage))
            body = codec.encode(ir, result, state.defects)
            return Response(json.dumps(body, ensure_ascii=False), media_type="application/json")
        events = adapter.stream(ir).__aiter__()
        first = await anext(events, None)
        frames = _frames(request, ir, codec.stream_encoder(ir, state.defects), first, events)
        if state.defects.on("chat_stream_buffered"):
            frames = _buffered(frames)
        return StreamingResponse(frames, media_type="text/event-stream", headers=SSE_HEADERS)

    return endpoint


async def _buffered(frames: AsyncIterator[bytes]) -> AsyncIterator[bytes]:
    yield b"".join([frame async for frame in frames])


async def _frames(request: Request, ir: ChatRequest, encoder: StreamEncoder, first: StreamEvent | None,
                  events: AsyncIterator[StreamEvent]) -> AsyncIterator[bytes]:
    try:
        opening = encoder.start() + (encoder.event(first) if first is not None else b"")
        if opening:
            yield opening
        if first is not None:
            async for event in events:
                frame = encoder.event(event)
                if frame:
                    yield frame
    except GatewayError as error:
        yield encoder.error(error)
        return
    finally:
        close = getattr(events, "aclose", None)
        if close is not None:
            await close()
        if encoder.usage is not None:
            charge(request.scope, ir.cost(encoder.usage))
    yield encoder.end()
