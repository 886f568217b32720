"""The outermost guard: a gateway bug becomes a 500 in the endpoint's envelope and the connection
stays usable (Starlette's own error middleware re-raises, which makes the server drop a keep-alive
connection mid-pool). A crash after the response started can only be logged; the stream just ends.
A request whose client went away (or whose body the server cut, D-71) has no one to answer."""

from __future__ import annotations

import logging

from starlette.requests import ClientDisconnect
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gateway.errors import InternalError
from gateway.middleware.errors import send_error

__all__ = ["CrashMiddleware"]

log = logging.getLogger("gateway")


class CrashMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def watching_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, watching_send)
        except ClientDisconnect:
            return
        except Exception:
            log.exception("unhandled error on %s %s", scope.get("method"), scope.get("path"))
            if started:
                return
            await send_error(InternalError("The gateway failed to handle this request."), scope, receive, send)
