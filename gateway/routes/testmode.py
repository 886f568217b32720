"""The test-mode control API (absent unless ``[test] mode = true``): switch named defects at runtime.

``GET /__test__/defects`` → ``{"active": [...], "known": {name: rule}}``;
``PUT /__test__/defects`` with ``{"active": [names]}`` replaces the active set.
Also the ``x-empirio-test`` request header hook (:func:`maybe_fail`).
"""

from __future__ import annotations

import json

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import BaseRoute, Route

from gateway.defects import DEFECTS, DefectError
from gateway.errors import InvalidRequest
from gateway.state import state_of

__all__ = ["maybe_fail", "routes"]

TEST_HEADER = "x-empirio-test"


def maybe_fail(request: Request) -> None:
    """In test mode, ``x-empirio-test: internal-error`` makes the route crash, so suites can see how the
    gateway answers its own bugs (500 in the envelope). Ignored outside test mode."""
    if request.headers.get(TEST_HEADER) == "internal-error" and state_of(request.scope).settings.test_mode:
        raise RuntimeError("test hook: internal error requested")


async def _get(request: Request) -> JSONResponse:
    switch = state_of(request.scope).defects
    return JSONResponse({"active": sorted(switch.active), "known": {d.name: d.breaks for d in DEFECTS.values()}})


async def _put(request: Request) -> JSONResponse:
    try:
        names = json.loads(await request.body())["active"]
        state_of(request.scope).defects.set(names)
    except (ValueError, KeyError, TypeError, DefectError) as exc:
        raise InvalidRequest(f"Bad defect request: {exc}", param="active") from exc
    return await _get(request)


def routes() -> list[BaseRoute]:
    return [Route("/__test__/defects", _get, methods=["GET"]), Route("/__test__/defects", _put, methods=["PUT"])]
