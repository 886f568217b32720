"""``POST /v1/chat/completions``: decode → adapter (by the model's upstream family) → encode.

A stream is opened only once the upstream's first event has arrived, so a failure before any output is
an HTTP error in the envelope; after that, failures are in-band (an error chunk, then ``[DONE]``).
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

from gateway.errors import GatewayError, ModelUnavailable
from gateway.formats.openai_chat.decode import decode_chat
from gateway.formats.openai_chat.encode import ChunkEncoder, encode_result
from gateway.ir import ChatRequest, StreamEvent
from gateway.middleware.credits import charge
from gateway.middleware.gate import admit
from gateway.routes.testmode import maybe_fail
from gateway.state import GatewayState, state_of
from gateway.upstreams import ChatAdapter

__all__ = ["chat_completions"]

SSE_HEADERS = {"cache-control": "no-cache", "x-accel-buffering": "no"}


def _adapter(state: GatewayState, ir: ChatRequest) -> ChatAdapter:
    adapter = state.adapters.get(ir.model.upstream_family)
    if adapter is None:
        raise ModelUnavailable(f"The model '{ir.model.id}' is not available on this deployment.")
    return adapter


async def chat_completions(request: Request) -> Response:
    state = state_of(request.scope)
    maybe_fail(request)
    ir = decode_chat(await request.body(), state.catalog, state.defects)
    adapter = _adapter(state, ir)
    admit(request.scope)
    if not ir.stream:
        result = await adapter.complete(ir)
        charge(request.scope, ir.model.prices.cost(result.usage))
        body = encode_result(ir, result, state.defects)
        return Response(json.dumps(body, ensure_ascii=False), media_type="application/json")
    events = adapter.stream(ir).__aiter__()
    first = await anext(events, None)
    frames = _frames(request, ir, first, events)
    if state.defects.on("chat_stream_buffered"):
        frames = _buffered(frames)
    return StreamingResponse(frames, media_type="text/event-stream", headers=SSE_HEADERS)


async def _buffered(frames: AsyncIterator[bytes]) -> AsyncIterator[bytes]:
    yield b"".join([frame async for frame in frames])


async def _frames(request: Request, ir: ChatRequest, first: StreamEvent | None,
                  events: AsyncIterator[StreamEvent]) -> AsyncIterator[bytes]:
    encoder = ChunkEncoder(ir, state_of(request.scope).defects)
    try:
        if first is not None:
            yield encoder.event(first)
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
            charge(request.scope, ir.model.prices.cost(encoder.usage))
    yield encoder.end()
