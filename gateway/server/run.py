"""The uvicorn server of ``python -m gateway serve``: its :class:`uvicorn.Config`, built from the settings.

uvicorn serves the app with httptools on uvloop; the protocol is :class:`~gateway.server.protocol.GatewayProtocol`
bound to the app's ``GatewayState.transport``, so the limits in force (whatever wraps that policy) are
read per connection and request. uvicorn's own ``timeout_keep_alive`` is the keep-alive
setting; its ``limit_concurrency`` stays off (its refusal is a plain-text 503, D-70). WebSockets (the
run-events channel, D-123): frames of at most 64 KiB (larger closes with 1009), a ping every
``runs_ping_interval`` seconds and a peer silent as long again closed.

``serve --workers N`` (D-206) binds the socket once and runs N spawned worker processes on it, each building
its own app, until interrupted (a signal to the parent is passed to every worker); they share limits and balances only through Redis and PostgreSQL, so more than one
worker needs both (``[limits] redis_url`` and ``[store] url``).
"""

from __future__ import annotations

import math
import multiprocessing
import signal
import socket
from types import FrameType

import uvicorn
from starlette.applications import Starlette

from gateway.config import Settings, SettingsError
from gateway.server.limits import TransportPolicy
from gateway.server.protocol import GatewayProtocol

__all__ = ["WS_MAX_FRAME", "serve", "shared_state_problem", "uvicorn_config"]

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


def shared_state_problem(settings: Settings, workers: int) -> str | None:
    """Why ``workers`` processes cannot run on ``settings`` (``None``: they can)."""
    if workers < 1:
        return f"--workers must be at least 1, got {workers}"
    if workers > 1 and not (settings.redis_url and settings.database_url):
        return ("--workers above 1 needs the shared state: the rate limiter in Redis ([limits] redis_url, "
                "EMPIRIO_REDIS_URL) and the store in PostgreSQL ([store] url, EMPIRIO_DATABASE_URL); "
                "workers on the embedded limiter and store would each admit and recover on their own (D-206)")
    return None


def _worker(settings: Settings, sockets: list[socket.socket] | None = None) -> None:
    from gateway.app import create_app

    uvicorn.Server(uvicorn_config(create_app(settings), settings)).run(sockets=sockets)


def serve(settings: Settings, workers: int = 1) -> None:
    """Serve the gateway until interrupted, in ``workers`` processes sharing one listening socket."""
    problem = shared_state_problem(settings, workers)
    if problem is not None:
        raise SettingsError(problem)
    if workers == 1:
        _worker(settings)
        return
    listener = socket.create_server((settings.host, settings.port), reuse_port=False, backlog=2048)
    spawn = multiprocessing.get_context("spawn")
    children = [spawn.Process(target=_worker, args=(settings, [listener]), name=f"gateway-worker-{n}")
                for n in range(1, workers + 1)]
    for child in children:
        child.start()

    def stop(signum: int, frame: FrameType | None) -> None:
        for child in children:
            if child.is_alive():
                child.terminate()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    for child in children:
        child.join()
    listener.close()
