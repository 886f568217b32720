"""One Starlette app per upstream family, and the runner that serves them all on loopback ports.

Every family answers ``GET /health`` and the ``/__mock__`` control routes (:mod:`mocks.control`); the
families with an API add their routes from :data:`API_ROUTES`.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from mocks import anthropic, audio, deepseek, embeddings, images, listing, openai, search, video
from mocks.anthropic import AnthropicEnvelope
from mocks.control import control_routes
from mocks.deepseek import DeepSeekDialect
from mocks.openai.dialect import OpenAIDialect
from mocks.provider import Envelope, Family, unrouted

__all__ = ["API_ROUTES", "ENVELOPES", "build_app", "serve"]

API_ROUTES: dict[str, Callable[[Family], list[Route]]] = {
    "openai": openai.routes,
    "deepseek": deepseek.routes,
    "anthropic": anthropic.routes,
    "embeddings": embeddings.routes,
    "search": search.routes,
    "audio": audio.routes,
    "media": lambda family: [*images.routes(family), *video.routes(family)],
}
"""The API each family serves, by family slug; families not listed serve only health and control."""

ENVELOPES: dict[str, Envelope] = {"deepseek": DeepSeekDialect(), "anthropic": AnthropicEnvelope()}
"""Each family's error envelope for unknown paths; OpenAI's unless listed."""

REQUEST_ID_HEADERS: dict[str, tuple[str, ...]] = {"anthropic": ("x-request-id", "request-id")}


def build_app(family: str) -> Starlette:
    """The mock provider app for ``family``; every response names its own host and request id,
    so a gateway that leaks them is caught."""
    provider = Family(family, request_id_headers=REQUEST_ID_HEADERS.get(family, ("x-request-id",)))

    async def health(request: Request) -> JSONResponse:
        return JSONResponse({"status": "ok", "family": family, "host": provider.host},
                            headers=provider.headers(provider.new_request_id()))

    api = API_ROUTES[family](provider) if family in API_ROUTES else []
    envelope = ENVELOPES.get(family, OpenAIDialect())
    fallback = unrouted(provider, envelope)
    return Starlette(routes=[Route("/health", health, methods=["GET"]), *control_routes(provider.state), *api,
                             *listing.routes(provider, envelope)],
                     exception_handlers={404: fallback, 405: fallback})


class _QuietAbruptClose(logging.Filter):
    """The ``cut`` fault ends a response on purpose by returning mid-body; uvicorn logs that as an error."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.getMessage() != "ASGI callable returned without completing response."


async def _serve_all(host: str, ports: Mapping[str, int]) -> None:
    servers = [
        uvicorn.Server(
            uvicorn.Config(build_app(family), host=host, port=port, log_level="warning", access_log=False,
                           loop="uvloop", http="httptools", lifespan="off", server_header=False,
                           timeout_graceful_shutdown=2)
        )
        for family, port in ports.items()
    ]
    logging.getLogger("uvicorn.error").addFilter(_QuietAbruptClose())

    async def stop_together() -> None:
        # Only the last server's signal handler sees SIGTERM; without this the others stop one by one.
        while not any(server.should_exit for server in servers):
            await asyncio.sleep(0.05)
        for server in servers:
            server.should_exit = True

    watcher = asyncio.ensure_future(stop_together())
    try:
        await asyncio.gather(*(server.serve() for server in servers))
    finally:
        watcher.cancel()


def serve(host: str, ports: Mapping[str, int]) -> None:
    """Serve every family in ``ports`` until interrupted."""
    import uvloop

    uvloop.run(_serve_all(host, ports))
