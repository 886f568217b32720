"""The ASGI seam: defect layers placed in the gateway's middleware stack at start-up.

An area module declares a layer with :func:`layer` — a middleware factory ``(app) -> app`` tied to one
defect and a position in the stack — or, with :func:`bypass`, names a stack middleware a defect skips,
or, with :func:`on_error`, a rewrite of the response an exception handler of the app renders.
:func:`mount` (called once by :func:`gateway.testing.install`, before the app serves) inserts one switch
per position; on every request the switch composes the layers whose defect is on, in declaration order,
so with no defect active a request passes straight through.

Positions, outermost first:

``outermost``      before the request id (sees the raw request, the final response);
``guarded``        just inside the crash guard, before authentication (a crash here is a 500 in the envelope);
``authenticated``  after the whole stack, before the router (``scope["state"]["auth"]`` is set when the
                   route needs a key).

:func:`rewrite_response` and :func:`replace_headers` are the usual building blocks of a layer.
"""

from __future__ import annotations

import inspect
import json
from collections.abc import Awaitable, Callable, Iterable
from typing import Any, Literal, cast

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gateway.middleware.crash import CrashMiddleware
from gateway.testing.registry import ActiveDefects, Defect

__all__ = [
    "ErrorPatch",
    "Layer",
    "Position",
    "Reply",
    "bypass",
    "json_body",
    "layer",
    "mount",
    "on_error",
    "replace_headers",
    "rewrite_response",
]

Layer = Callable[[ASGIApp], ASGIApp]
Position = Literal["outermost", "guarded", "authenticated"]

ErrorPatch = Callable[[Request, Exception, Response], Response]
"""Given the request, the exception and the response its handler rendered: the response to send."""

_LAYERS: list[tuple[Position, Defect, Layer]] = []
_BYPASSES: list[tuple[Defect, type]] = []
_ERROR_PATCHES: list[tuple[Defect, type[Exception], ErrorPatch]] = []


def layer(defect: Defect, *, at: Position = "outermost") -> Callable[[Layer], Layer]:
    """Declare the decorated middleware factory as ``defect``'s layer at position ``at``."""

    def register(make: Layer) -> Layer:
        _LAYERS.append((at, defect, make))
        return make

    return register


def bypass(defect: Defect, middleware: type) -> None:
    """While ``defect`` is on, the stack's ``middleware`` is skipped."""
    _BYPASSES.append((defect, middleware))


def on_error(defect: Defect, handled: type[Exception]) -> Callable[[ErrorPatch], ErrorPatch]:
    """Declare the decorated function as ``defect``'s rewrite of what the app's handler for
    ``handled`` exceptions renders."""

    def register(patch: ErrorPatch) -> ErrorPatch:
        _ERROR_PATCHES.append((defect, handled, patch))
        return patch

    return register


class _Switch:
    """The active layers of one position, composed per request."""

    def __init__(self, app: ASGIApp, *, layers: list[tuple[Defect, Layer]], active: ActiveDefects) -> None:
        self.app, self.layers, self.active = app, layers, active

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        handler = self.app
        for defect, make in reversed(self.layers):
            if self.active.on(defect.name):
                handler = make(handler)
        await handler(scope, receive, send)


class _Bypass:
    def __init__(
        self, app: ASGIApp, *, wrapped: type, options: dict[str, Any], defect: Defect, active: ActiveDefects
    ) -> None:
        self.app, self.guarded, self.defect, self.active = app, wrapped(app, **options), defect, active

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await (self.app if self.active.on(self.defect.name) else self.guarded)(scope, receive, send)


def _patched_handler(
    original: Callable[[Request, Exception], Any],
    patches: list[tuple[Defect, ErrorPatch]],
    active: ActiveDefects,
) -> Callable[[Request, Exception], Awaitable[Response]]:
    async def handler(request: Request, exc: Exception) -> Response:
        response = original(request, exc)
        if inspect.isawaitable(response):
            response = await response
        for defect, patch in patches:
            if active.on(defect.name):
                response = patch(request, exc, response)
        return cast(Response, response)

    return handler


def mount(app: Starlette, active: ActiveDefects) -> None:
    """Insert the declared layers and bypasses into ``app``'s stack and wrap its exception handlers
    (before it first serves)."""
    for handled in dict.fromkeys(h for _, h, _ in _ERROR_PATCHES):
        patches = [(d, patch) for d, h, patch in _ERROR_PATCHES if h is handled]
        app.exception_handlers[handled] = _patched_handler(app.exception_handlers[handled], patches, active)
    stack = app.user_middleware
    for defect, target in _BYPASSES:
        for i, entry in enumerate(stack):
            if _is(entry, target):
                stack[i] = Middleware(
                    _Bypass, wrapped=target, options=dict(entry.kwargs), defect=defect, active=active
                )
    crash = next(i for i, entry in enumerate(stack) if _is(entry, CrashMiddleware))
    indexes: dict[Position, int] = {"authenticated": len(stack), "guarded": crash + 1, "outermost": 0}
    for position, index in indexes.items():
        layers = [(d, make) for at, d, make in _LAYERS if at == position]
        if layers:
            stack.insert(index, Middleware(_Switch, layers=layers, active=active))


def _is(entry: Middleware, cls: type) -> bool:
    return cast(object, entry.cls) is cls


Reply = tuple[int, list[tuple[bytes, bytes]], bytes]
"""A whole response: status, headers, body."""


def rewrite_response(
    app: ASGIApp,
    scope: Scope,
    receive: Receive,
    send: Send,
    change: Callable[[int, list[tuple[bytes, bytes]], bytes], Reply | None],
) -> Awaitable[None]:
    """Run ``app``, handing every complete non-streamed response to ``change``; a reply it returns is
    sent instead (with its content-length recomputed), ``None`` sends the original. Event streams pass
    through untouched."""
    start: Message | None = None
    chunks: list[bytes] = []

    async def buffering_send(message: Message) -> None:
        nonlocal start
        if message["type"] == "http.response.start":
            if _header(message.get("headers", []), b"content-type").startswith(b"text/event-stream"):
                await send(message)
                return
            start = message
            return
        if message["type"] != "http.response.body" or start is None:
            await send(message)
            return
        chunks.append(message.get("body", b""))
        if message.get("more_body"):
            return
        status, headers, body = start["status"], list(start.get("headers", [])), b"".join(chunks)
        reply = change(status, headers, body) or (status, headers, body)
        status, headers, body = reply
        headers = [(k, v) for k, v in headers if k.lower() != b"content-length"]
        await send(
            {**start, "status": status, "headers": [*headers, (b"content-length", str(len(body)).encode())]}
        )
        await send({"type": "http.response.body", "body": body})

    return app(scope, receive, buffering_send)


def _header(headers: Iterable[tuple[bytes, bytes]], name: bytes) -> bytes:
    return next((v for k, v in headers if k.lower() == name), b"")


def replace_headers(
    scope: Scope, drop: Iterable[bytes] = (), add: Iterable[tuple[bytes, bytes]] = ()
) -> Scope:
    """A copy of ``scope`` without the request headers named in ``drop`` and with ``add`` appended."""
    dropped = {name.lower() for name in drop}
    return {**scope, "headers": [*((k, v) for k, v in scope["headers"] if k not in dropped), *add]}


def json_body(body: bytes) -> Any:
    """``body`` as JSON, or ``None`` when it is not JSON."""
    try:
        return json.loads(body)
    except (ValueError, RecursionError):
        return None
