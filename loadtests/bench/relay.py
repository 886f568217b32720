"""The bare relay of the benchmark, the Python floor: Starlette on uvicorn (uvloop + httptools) forwarding
``POST /v1/chat/completions`` as received to the upstream through one pooled aiohttp session and relaying
the answer chunk by chunk. No auth, limits, credits, validation or routing: whatever the reference gateway
adds on top of this is its own cost.

    python -m loadtests.bench.relay --port 8102 --upstream http://127.0.0.1:8101
"""

from __future__ import annotations

import argparse
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import aiohttp
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route


def build(upstream: str) -> Starlette:
    """The relay's app, forwarding to ``upstream``."""
    session: dict[str, aiohttp.ClientSession] = {}

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        session["http"] = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0, keepalive_timeout=60))
        yield
        await session["http"].close()

    async def relay(request: Request) -> Response:
        body = await request.body()
        answer = await session["http"].post(upstream + "/v1/chat/completions", data=body,
                                            headers={"content-type": "application/json"})
        kind = answer.headers.get("content-type", "application/json")
        if kind.startswith("text/event-stream"):
            async def frames() -> AsyncIterator[bytes]:
                async with answer:
                    async for chunk in answer.content.iter_any():
                        yield chunk
            return StreamingResponse(frames(), status_code=answer.status, media_type=kind)
        async with answer:
            return Response(await answer.read(), status_code=answer.status, media_type=kind)

    return Starlette(routes=[Route("/v1/chat/completions", relay, methods=["POST"])], lifespan=lifespan)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--upstream", required=True)
    args = parser.parse_args()
    uvicorn.run(build(args.upstream.rstrip("/")), host="127.0.0.1", port=args.port, loop="uvloop",
                http="httptools", log_level="warning", access_log=False)


if __name__ == "__main__":
    main()
