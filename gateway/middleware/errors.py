"""Errors → responses in the endpoint's envelope: the handlers the app registers, and a helper for
middleware that must answer before routing."""

from __future__ import annotations

import json
import logging

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.types import Receive, Scope, Send

from gateway.defects import DefectSwitch
from gateway.errors import (
    GatewayError,
    InternalError,
    InvalidRequest,
    MethodNotAllowed,
    NotFound,
    RequestTooLarge,
)
from gateway.formats.envelopes import envelope_for_path, render_error
from gateway.state import state_of

__all__ = ["EXCEPTION_HANDLERS", "error_response", "send_error"]

log = logging.getLogger("gateway")


def error_response(error: GatewayError, path: str, *, force_openai: bool = False) -> Response:
    """The response for ``error`` on ``path``, in that path's envelope."""
    headers = dict(error.headers)
    return Response(
        render_error(error, "openai" if force_openai else envelope_for_path(path)),
        status_code=error.status,
        media_type="application/json",
        headers=headers,
    )


async def send_error(error: GatewayError, scope: Scope, receive: Receive, send: Send) -> None:
    await error_response(error, scope["path"])(scope, receive, send)


async def _gateway_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, GatewayError)
    defects = state_of(request.scope).defects
    response = error_response(exc, request.url.path, force_openai=defects.on("msg_error_openai_envelope"))
    if defects.active and 400 <= exc.status < 500:
        return _defective_error(response, defects)
    return response


def _defective_error(response: Response, defects: DefectSwitch) -> Response:
    """Error bodies with the error-envelope defects applied (test mode only)."""
    body = json.loads(bytes(response.body))
    if defects.on("error_type_missing") and "type" in body.get("error", {}) and body.get("type") != "error":
        del body["error"]["type"]
    if defects.on("msg_error_type_wrong") and body.get("type") == "error":
        body["error"]["type"] = "error"
    return Response(json.dumps(body), status_code=response.status_code, media_type="application/json",
                    headers={k: v for k, v in response.headers.items() if k not in ("content-length", "content-type")})


async def _http_exception(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    defects = state_of(request.scope).defects
    error: GatewayError
    if exc.status_code == 404:
        if defects.on("unknown_path_plain_404"):
            return PlainTextResponse("Not Found", status_code=404)
        error = NotFound(f"Unknown path {request.method} {request.url.path}.", code="not_found")
    elif exc.status_code == 405:
        if defects.on("wrong_method_plain_405"):
            return PlainTextResponse("Method Not Allowed", status_code=405)
        error = MethodNotAllowed(f"Method {request.method} is not allowed on {request.url.path}.")
        error.headers = dict(exc.headers or {})
    elif exc.status_code == 413:
        error = RequestTooLarge("The request body is too large.")
    else:
        error = InvalidRequest(exc.detail or "Bad request.", code="invalid_request")
        error.status = exc.status_code
    return error_response(error, request.url.path)


async def _unhandled(request: Request, exc: Exception) -> Response:
    log.exception("unhandled error on %s %s", request.method, request.url.path)
    if state_of(request.scope).defects.on("chat_internal_error_plain"):
        return PlainTextResponse("Internal Server Error", status_code=500)
    return error_response(InternalError("The gateway failed to handle this request."), request.url.path)


EXCEPTION_HANDLERS = {GatewayError: _gateway_error, HTTPException: _http_exception, Exception: _unhandled}
