"""One runner for every text-generation format: decode → defaults (D-61) → admit → web search when asked (D-95) → adapter (by upstream family) → encode.

A :class:`~gateway.formats.codec.Codec` is what a format contributes (``formats/<format>/``), found per
request in ``GatewayState.codecs`` by format name; the runner is the same for Chat Completions, Messages
and Responses. A stream is opened only once the upstream's first event arrived, so a failure before any
output is an HTTP error in the format's envelope; after that, failures are in-band (each format's own
error frame). The encoder's frames become SSE bytes here (:func:`~gateway.formats.frames.serialise`), one
write per IR event. Cost is recorded for settlement even when a stream is cut: the upstream's usage, or an
estimate of what was written when the client left first (:mod:`~gateway.routes.metering`, D-75); a
non-stream call is cancelled, and nothing billed, when the client leaves before it returns (D-76). A format with a
:class:`~gateway.formats.codec.Conversation` (Responses) has the stored state it continues resolved
before admission, and its finished answer kept (a stream's once its final frames are written).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable

from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.types import Receive, Scope, Send

from gateway.errors import GatewayError, InvalidRequest, ModelUnavailable, shown
from gateway.files.resolve import resolve_files
from gateway.formats.codec import Conversation, StreamEncoder
from gateway.formats.frames import serialise
from gateway.ir import ChatRequest, StreamEvent
from gateway.ir.defaults import with_defaults
from gateway.jsonio import dumps
from gateway.middleware.credits import charge
from gateway.middleware.gate import admit
from gateway.middleware.limits import spent
from gateway.routes.metering import Meter, reservation, reservation_cost, tokens_of, while_connected
from gateway.routes.testmode import maybe_fail
from gateway.state import GatewayState, state_of
from gateway.upstreams import ChatAdapter
from gateway.usage import record_usage

__all__ = ["CLIENT_CLOSED", "generation_route", "require_json"]

SSE_HEADERS = {"cache-control": "no-cache", "x-accel-buffering": "no"}
CLIENT_CLOSED = 499
"""The status logged for a non-stream request whose client left before the answer (nobody receives it)."""


class _Stream(StreamingResponse):
    """A stream whose frame generator is closed as soon as the response ends, even when the client cut it,
    so its cost is recorded before the credits middleware settles."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await super().__call__(scope, receive, send)
        finally:
            close = getattr(self.body_iterator, "aclose", None)
            if close is not None:
                await close()


def _adapter(state: GatewayState, ir: ChatRequest) -> ChatAdapter:
    adapter = state.adapters.get(ir.model.upstream_family)
    if adapter is None:
        raise ModelUnavailable(f"The model '{ir.model.id}' is not available on this deployment.")
    return adapter


def require_json(request: Request) -> None:
    """A body declared as something other than JSON is refused (an absent Content-Type is tolerated)."""
    declared = request.headers.get("content-type")
    if declared is None:
        return
    media = declared.split(";", 1)[0].strip().lower()
    if media != "application/json" and not media.endswith("+json"):
        raise InvalidRequest(f"Content-Type must be application/json, not '{shown(media)}'.", code="invalid_content_type")


def generation_route(format_name: str) -> Callable[[Request], Awaitable[Response]]:
    """The Starlette endpoint serving the format ``format_name`` (its codec: ``state.codecs[format_name]``)."""

    async def endpoint(request: Request) -> Response:
        state = state_of(request.scope)
        maybe_fail(request)
        require_json(request)
        codec = state.codecs[format_name]
        ir = with_defaults(codec.decode(await request.body(), state.catalog))
        record_usage(request.scope, model=ir.model.id)
        adapter = _adapter(state, ir)
        conversation = state.conversations.get(format_name)
        if conversation is not None:
            await conversation.resume(request.scope, ir)
        await resolve_files(ir, state.files, request.scope["state"]["auth"].account_id, int(state.clock.now()))
        await admit(request.scope, reservation(ir), reservation_cost(ir))
        adapter = state.web_search.around(adapter, ir)
        if not ir.stream:
            outcome = await while_connected(request.receive, adapter.complete(ir))
            if outcome is None:
                return Response(status_code=CLIENT_CLOSED)
            result = outcome[0]
            charge(request.scope, ir.cost(result.usage))
            record_usage(request.scope, result.usage)
            spent(request.scope, tokens_of(result.usage))
            body = codec.encode(ir, result)
            if conversation is not None:
                await conversation.keep(request.scope, ir, body)
            return Response(dumps(body), media_type="application/json")
        events = adapter.stream(ir).__aiter__()
        first = await anext(events, None)
        frames = _frames(request, ir, codec.stream_encoder(ir), first, events, conversation)
        return _Stream(frames, media_type="text/event-stream", headers=SSE_HEADERS)

    return endpoint


async def _frames(request: Request, ir: ChatRequest, encoder: StreamEncoder, first: StreamEvent | None,
                  events: AsyncIterator[StreamEvent], conversation: Conversation | None) -> AsyncIterator[bytes]:
    meter, failed = Meter(ir), False
    try:
        if first is not None:
            meter.seen(first)
        opening = serialise([*encoder.start(), *(encoder.event(first) if first is not None else ())])
        if opening:
            yield opening
            if first is not None:
                meter.delivered(first)
        if first is not None:
            async for event in events:
                meter.seen(event)
                chunk = serialise(encoder.event(event))
                if chunk:
                    yield chunk
                    meter.delivered(event)
    except GatewayError as error:
        failed = True
        yield serialise(encoder.error(error))
        return
    finally:  # charged before any await: a cancelled stream may be cancelled again at each await
        if meter.usage is not None or not failed:
            cost, estimated = meter.cost()
            charge(request.scope, cost, estimated=estimated)
        spent(request.scope, tokens_of(meter.usage or meter.estimate()))
        record_usage(request.scope, meter.usage or meter.estimate())
        close = getattr(events, "aclose", None)
        if close is not None:
            await close()
    end = encoder.end()
    if conversation is not None:  # before the last write: a client reading it may GET the response at once
        await conversation.keep_stream(request.scope, ir, end)
    yield serialise(end)
