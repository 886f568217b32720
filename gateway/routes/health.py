"""``GET /healthz``: liveness for process supervisors and the harness launcher (no key needed)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse

from gateway import __version__
from gateway.state import state_of


async def healthz(request: Request) -> JSONResponse:
    state = state_of(request.scope)
    return JSONResponse({"status": "ok", "version": __version__, "models": len(state.catalog.models)})
