"""The uvicorn server of ``python -m gateway serve``: its :class:`uvicorn.Config`, built from the settings.

uvicorn serves the app with httptools on uvloop; the protocol is :class:`~gateway.server.protocol.GatewayProtocol`
bound to the app's ``GatewayState.transport``, so the limits in force (whatever wraps that policy) are
read per connection and request. uvicorn's own ``timeout_keep_alive`` is the keep-alive
setting; its ``limit_concurrency`` stays off (its refusal is a plain-text 503, D-70). WebSockets (the
run-events channel, D-123): frames of at most 64 KiB (larger closes with 1009), a ping every
``runs_ping_interval`` seconds and a peer silent as long again closed.
"""

from __future__ import annotations

import math

import uvicorn
from starlette.applications import Starlette

from gateway.config import Settings
from gateway.server.limits import TransportPolicy
from gateway.server.protocol import GatewayProtocol

__all__ = ["WS_MAX_FRAME", "serve", "uvicorn_config"]

WS_MAX_FRAME = 64 * 1024


def uvicorn_config(app: Starlette, settings: Settings) -> uvicorn.Config:
    """How uvicorn serves ``app`` (built by :func:`gateway.app.create_app`) on ``settings``' host and port."""

    def policy() -> TransportPolicy:
        transport: TransportPolicy = app.state.gateway.transport
        return transport

    return uvicorn.Config(
        app,
        host=settings.host,
        port=settings.port,
        loop="uvloop",
        http=GatewayProtocol.bound(policy),
        timeout_keep_alive=max(1, math.ceil(settings.keep_alive_timeout)),
        ws_max_size=WS_MAX_FRAME,
        ws_ping_interval=settings.runs_ping_interval,
        ws_ping_timeout=settings.runs_ping_interval,
        log_level="warning",
        access_log=False,
    )


def serve(settings: Settings) -> None:
    """Serve the gateway until interrupted."""
    from gateway.app import create_app

    uvicorn.Server(uvicorn_config(create_app(settings), settings)).run()
