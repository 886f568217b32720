"""Test-mode delivery hooks: the outermost ASGI layer, where a response's last body message is about to be
written, acted on per request by the ``x-empirio-test`` header (D-77).

``crash-before-delivery``  the process dies (``os._exit(137)``, as a ``kill -9``) when the last body message
                          reaches the layer: after the credits middleware journalled the charge, before a
                          byte of that message is written
``drop-before-delivery``   that write fails (``OSError``, as a server reports a connection lost under it)

Mounted by :func:`gateway.testing.install` in test mode only; other values of the header pass through.
"""

from __future__ import annotations

import os

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["CRASH", "DROP", "DeliveryHooks", "mount"]

HEADER = b"x-empirio-test"
CRASH = "crash-before-delivery"
DROP = "drop-before-delivery"
CRASH_STATUS = 137


class DeliveryHooks:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        asked = next((v.decode("latin-1") for k, v in scope.get("headers", ()) if k == HEADER), None)
        if scope["type"] != "http" or asked not in (CRASH, DROP):
            await self.app(scope, receive, send)
            return

        async def hooked_send(message: Message) -> None:
            if message["type"] == "http.response.body" and not message.get("more_body"):
                if asked == CRASH:
                    os._exit(CRASH_STATUS)
                raise OSError("test hook: the last write of the response failed")
            await send(message)

        await self.app(scope, receive, hooked_send)


def mount(app: Starlette) -> None:
    """Put :class:`DeliveryHooks` outermost in ``app``'s stack (before it first serves)."""
    app.user_middleware.insert(0, Middleware(DeliveryHooks))
