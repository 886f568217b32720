"""Every response carries the gateway's own request id (``x-request-id``; also ``request-id`` on
``/v1/messages``, where Anthropic clients look for it). Never a provider's: upstream ids stay inside."""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gateway.ids import random_hex

__all__ = ["RequestIdMiddleware"]


class RequestIdMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = f"req_{random_hex(12)}".encode()
        names = [b"x-request-id", b"request-id"] if scope["path"].startswith("/v1/messages") else [b"x-request-id"]
        scope.setdefault("state", {})["request_id"] = request_id.decode()

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": [*message.get("headers", []), *((n, request_id) for n in names)]}
            await send(message)

        await self.app(scope, receive, send_with_id)
