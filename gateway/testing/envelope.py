"""Defects of error envelopes, request ids, the body limit and routing errors
(``gateway/middleware/{errors,crash,request_id,body_limit}.py``).

Envelope defects rewrite what the app's exception handlers render (``asgi.on_error``); the plain 500
rewrites the crash guard's answer from outside; the request-id defect rewrites response headers; the
body-limit defect skips the body-limit middleware (``asgi.bypass``).
"""

from __future__ import annotations

import json

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gateway.errors import GatewayError
from gateway.formats.envelopes import render_error
from gateway.middleware.body_limit import BodyLimitMiddleware
from gateway.state import GatewayState
from gateway.testing.asgi import Reply, bypass, json_body, layer, on_error, rewrite_response
from gateway.testing.registry import ActiveDefects, defect

__all__ = ["install"]

MSG_ERROR_OPENAI_ENVELOPE = defect(
    "msg_error_openai_envelope", "every /v1/messages error is in the Anthropic envelope"
)
ERROR_TYPE_MISSING = defect("error_type_missing", "an OpenAI error envelope carries error.type")
MSG_ERROR_TYPE_WRONG = defect(
    "msg_error_type_wrong", "a /v1/messages error carries the Anthropic type for its status"
)
UNKNOWN_PATH_PLAIN_404 = defect("unknown_path_plain_404", "an unknown path is a 404 in the error envelope")
WRONG_METHOD_PLAIN_405 = defect("wrong_method_plain_405", "a wrong method is a 405 in the error envelope")
CHAT_INTERNAL_ERROR_PLAIN = defect("chat_internal_error_plain", "a gateway bug is 500 in the error envelope")
REQUEST_ID_REUSED = defect("request_id_reused", "x-request-id, when sent, identifies one request")
CHAT_BODY_LIMIT_OFF = defect("chat_body_limit_off", "a body over the size limit is 413")

_FIXED_REQUEST_ID = b"req_000000000000000000000000"


def _json_response(body: object, like: Response) -> Response:
    headers = {k: v for k, v in like.headers.items() if k not in ("content-length", "content-type")}
    return Response(
        json.dumps(body), status_code=like.status_code, media_type="application/json", headers=headers
    )


@on_error(MSG_ERROR_OPENAI_ENVELOPE, GatewayError)
def _openai_envelope(request: Request, exc: Exception, response: Response) -> Response:
    assert isinstance(exc, GatewayError)
    headers = {k: v for k, v in response.headers.items() if k not in ("content-length", "content-type")}
    return Response(
        render_error(exc, "openai"), status_code=exc.status, media_type="application/json", headers=headers
    )


@on_error(ERROR_TYPE_MISSING, GatewayError)
def _type_missing(request: Request, exc: Exception, response: Response) -> Response:
    body = json_body(bytes(response.body))
    error = body.get("error") if isinstance(body, dict) else None
    if (
        not 400 <= response.status_code < 500
        or not isinstance(error, dict)
        or "type" not in error
        or body.get("type") == "error"
    ):
        return response
    del error["type"]
    return _json_response(body, response)


@on_error(MSG_ERROR_TYPE_WRONG, GatewayError)
def _anthropic_type_wrong(request: Request, exc: Exception, response: Response) -> Response:
    body = json_body(bytes(response.body))
    if not 400 <= response.status_code < 500 or not isinstance(body, dict) or body.get("type") != "error":
        return response
    body["error"]["type"] = "error"
    return _json_response(body, response)


@on_error(UNKNOWN_PATH_PLAIN_404, HTTPException)
def _plain_404(request: Request, exc: Exception, response: Response) -> Response:
    return PlainTextResponse("Not Found", status_code=404) if response.status_code == 404 else response


@on_error(WRONG_METHOD_PLAIN_405, HTTPException)
def _plain_405(request: Request, exc: Exception, response: Response) -> Response:
    return (
        PlainTextResponse("Method Not Allowed", status_code=405) if response.status_code == 405 else response
    )


@layer(CHAT_INTERNAL_ERROR_PLAIN)
def _plain_500(app: ASGIApp) -> ASGIApp:
    def plain(status: int, headers: list[tuple[bytes, bytes]], body: bytes) -> Reply | None:
        if status != 500:
            return None
        kept = [(k, v) for k, v in headers if k.lower() != b"content-type"]
        return 500, [*kept, (b"content-type", b"text/plain; charset=utf-8")], b"Internal Server Error"

    async def plain_500(scope: Scope, receive: Receive, send: Send) -> None:
        await rewrite_response(app, scope, receive, send, plain)

    return plain_500


@layer(REQUEST_ID_REUSED)
def _fixed_request_id(app: ASGIApp) -> ASGIApp:
    async def fixed_id(scope: Scope, receive: Receive, send: Send) -> None:
        async def send_fixed(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [
                    (k, _FIXED_REQUEST_ID if k.lower() in (b"x-request-id", b"request-id") else v)
                    for k, v in message.get("headers", [])
                ]
                message = {**message, "headers": headers}
            await send(message)

        await app(scope, receive, send_fixed)

    return fixed_id


bypass(CHAT_BODY_LIMIT_OFF, BodyLimitMiddleware)


def install(state: GatewayState, active: ActiveDefects) -> None:
    """Nothing to wrap in ``state``: this area's patches are all in the stack (declared above)."""
