"""Errors → responses in the endpoint's envelope: the handlers the app registers, and a helper for
middleware that must answer before routing."""

from __future__ import annotations

import json
import logging
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Match, Route
from starlette.types import Receive, Scope, Send

from gateway.errors import (
    GatewayError,
    InternalError,
    InvalidRequest,
    MethodNotAllowed,
    NotFound,
    RequestTooLarge,
    shown,
)
from gateway.formats.envelopes import envelope_for_path, render_error
from gateway.formats.run_events import SUBPROTOCOL

__all__ = ["EXCEPTION_HANDLERS", "error_response", "refuse_websocket", "send_error"]

log = logging.getLogger("gateway")


def error_response(error: GatewayError, path: str) -> Response:
    """The response for ``error`` on ``path``, in that path's envelope."""
    headers = dict(error.headers)
    return Response(
        render_error(error, envelope_for_path(path)),
        status_code=error.status,
        media_type="application/json",
        headers=headers,
    )


async def send_error(error: GatewayError, scope: Scope, receive: Receive, send: Send) -> None:
    await error_response(error, scope["path"])(scope, receive, send)


async def refuse_websocket(scope: Scope, receive: Receive, send: Send, message: dict[str, Any],
                           close_code: int) -> None:
    """A WebSocket refused after the upgrade (D-122, D-123): accepted (with the channel's subprotocol when
    offered), one error ``message``, then closed with ``close_code``."""
    connect = await receive()
    if connect["type"] != "websocket.connect":
        return
    offered = scope.get("subprotocols") or ()
    await send({"type": "websocket.accept", "subprotocol": SUBPROTOCOL if SUBPROTOCOL in offered else None})
    await send({"type": "websocket.send", "text": json.dumps(message, ensure_ascii=False)})
    await send({"type": "websocket.close", "code": close_code})


async def _gateway_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, GatewayError)
    return error_response(exc, request.url.path)


def _allowed(request: Request) -> str:
    """Every method some route serves on this path (the router's own 405 names only the first route's)."""
    methods: set[str] = set()
    for route in request.app.router.routes:
        if isinstance(route, Route) and route.methods and route.matches(request.scope)[0] is not Match.NONE:
            methods |= route.methods
    return ", ".join(sorted(methods))


async def _http_exception(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    error: GatewayError
    if exc.status_code == 404:
        error = NotFound(f"Unknown path {shown(request.method)} {shown(request.url.path)}.", code="not_found")
    elif exc.status_code == 405:
        error = MethodNotAllowed(f"Method {shown(request.method)} is not allowed on {shown(request.url.path)}.")
        error.headers = {k: v for k, v in (exc.headers or {}).items() if k.lower() != "allow"}
        error.headers["allow"] = _allowed(request)
    elif exc.status_code == 413:
        error = RequestTooLarge("The request body is too large.")
    else:
        error = InvalidRequest(exc.detail or "Bad request.", code="invalid_request")
        error.status = exc.status_code
    return error_response(error, request.url.path)


async def _unhandled(request: Request, exc: Exception) -> Response:
    log.exception("unhandled error on %s %s", request.method, request.url.path)
    return error_response(InternalError("The gateway failed to handle this request."), request.url.path)


EXCEPTION_HANDLERS = {GatewayError: _gateway_error, HTTPException: _http_exception, Exception: _unhandled}
