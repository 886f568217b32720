"""Refuse request bodies over ``max_body_bytes`` (a multipart body on the paths that carry a file,
``POST /v1/files/upload`` and ``POST /v1/audio/transcriptions``: the upload cap plus its framing allowance,
D-82, D-115; a JSON body there is held to ``max_body_bytes`` like any other, D-137) with 413 in the
endpoint's envelope.

A declared ``Content-Length`` over the limit is refused before the body is read; a chunked body is
counted as it arrives and refused when it crosses the limit.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gateway.errors import RequestTooLarge
from gateway.files import UPLOAD_PATH
from gateway.formats.transcriptions import ENDPOINT as TRANSCRIPTIONS_PATH
from gateway.middleware.errors import send_error
from gateway.state import state_of

__all__ = ["FILE_PATHS", "BodyLimitMiddleware"]

FILE_PATHS = frozenset({UPLOAD_PATH, TRANSCRIPTIONS_PATH})
"""Paths whose multipart body carries a file: limited by the upload cap, not ``max_body_bytes``."""


def _multipart(scope: Scope) -> bool:
    return any(name == b"content-type" and value.lower().startswith(b"multipart/form-data")
               for name, value in scope["headers"])


class BodyLimitMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        state = state_of(scope)
        file_body = scope["path"] in FILE_PATHS and _multipart(scope)
        limit = state.intake.body_limit if file_body else state.settings.max_body_bytes
        for name, value in scope["headers"]:
            if name == b"content-length" and value.isdigit() and int(value) > limit:
                await send_error(_too_large(limit), scope, receive, send)
                return
        seen = 0

        async def counting_receive() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise _too_large(limit)
            return message

        await self.app(scope, counting_receive, send)


def _too_large(limit: int) -> RequestTooLarge:
    return RequestTooLarge(f"The request body exceeds the limit of {limit} bytes.")
