"""One Starlette app per upstream family, and the runner that serves them all on loopback ports."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Mapping

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

__all__ = ["build_app", "serve"]


def build_app(family: str) -> Starlette:
    """The mock provider app for ``family``; every response names its own host and request id,
    so a gateway that leaks them is caught."""
    host = f"{family}.mock-upstream.internal"

    async def health(request: Request) -> JSONResponse:
        return JSONResponse(
            {"status": "ok", "family": family, "host": host},
            headers={"x-request-id": f"req_{family}_{secrets.token_hex(6)}", "server": host},
        )

    return Starlette(routes=[Route("/health", health, methods=["GET"])])


async def _serve_all(host: str, ports: Mapping[str, int]) -> None:
    servers = [
        uvicorn.Server(
            uvicorn.Config(build_app(family), host=host, port=port, log_level="warning", access_log=False,
                           loop="uvloop", http="httptools", lifespan="off")
        )
        for family, port in ports.items()
    ]
    await asyncio.gather(*(server.serve() for server in servers))


def serve(host: str, ports: Mapping[str, int]) -> None:
    """Serve every family in ``ports`` until interrupted."""
    import uvloop

    uvloop.run(_serve_all(host, ports))
