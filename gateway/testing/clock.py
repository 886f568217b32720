"""Test mode: a clock the suites can move forward, and an on-demand sweep (D-91).

``GET /__test__/clock`` → ``{"now": <unix seconds>}``; ``POST /__test__/clock`` with ``{"advance": seconds}``
moves it forward (never back) and answers the same; ``POST /__test__/sweep`` runs the sweeper now and
answers how many objects of each kind it deleted. What the suites' ``--clock-url`` drives.
"""

from __future__ import annotations

import json
import time

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from gateway.errors import InvalidRequest
from gateway.state import GatewayState, state_of

__all__ = ["CLOCK_PATH", "SWEEP_PATH", "AdjustableClock", "mount"]

CLOCK_PATH = "/__test__/clock"
SWEEP_PATH = "/__test__/sweep"


class AdjustableClock:
    """Wall time plus an offset that only grows."""

    def __init__(self) -> None:
        self.offset = 0.0

    def now(self) -> float:
        return time.time() + self.offset

    def advance(self, seconds: float) -> None:
        self.offset += seconds


def mount(app: Starlette, state: GatewayState) -> None:
    """Swap ``state``'s clock for an :class:`AdjustableClock` and add the control routes."""
    clock = AdjustableClock()
    state.clock = clock

    async def read(request: Request) -> JSONResponse:
        return JSONResponse({"now": clock.now()})

    async def advance(request: Request) -> JSONResponse:
        try:
            seconds = float(json.loads(await request.body())["advance"])
        except (ValueError, KeyError, TypeError) as exc:
            raise InvalidRequest(f"Bad clock request: {exc}", param="advance") from exc
        if not 0 <= seconds < 10 * 365 * 86400:
            raise InvalidRequest("'advance' must be between 0 and ten years of seconds.", param="advance")
        clock.advance(seconds)
        return await read(request)

    async def sweep(request: Request) -> JSONResponse:
        return JSONResponse({"deleted": await state_of(request.scope).sweeper.sweep()})

    app.router.routes += [Route(CLOCK_PATH, read, methods=["GET"]), Route(CLOCK_PATH, advance, methods=["POST"]),
                          Route(SWEEP_PATH, sweep, methods=["POST"])]
