"""The test-mode control API: switch named defects at runtime.

``GET /__test__/defects`` → ``{"active": [...], "known": {name: rule}}``;
``PUT /__test__/defects`` with ``{"active": [names]}`` replaces the active set (400 for an unknown name);
``GET /__test__/balance`` → ``{"balance_usd": "...", "held_usd": "...", "available_usd": "..."}`` (D-180) of the account of the key presented as on the API
(``Authorization: Bearer`` or ``x-api-key``; 401 otherwise): what the suites' ``--balance-url`` reads.
Mounted by :func:`gateway.testing.install`; a production gateway has no such route.
"""

from __future__ import annotations

import json

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from gateway.errors import InvalidRequest
from gateway.middleware.auth import authenticate
from gateway.state import state_of
from gateway.store import nano_to_usd
from gateway.testing.registry import DEFECTS, ActiveDefects, DefectError

__all__ = ["BALANCE_PATH", "PATH", "mount"]

PATH = "/__test__/defects"
BALANCE_PATH = "/__test__/balance"


def mount(app: Starlette, active: ActiveDefects) -> None:
    """Add the control routes for ``active`` to ``app``."""

    async def get(request: Request) -> JSONResponse:
        return JSONResponse(
            {"active": sorted(active.names), "known": {d.name: d.breaks for d in DEFECTS.values()}}
        )

    async def put(request: Request) -> JSONResponse:
        try:
            active.set(json.loads(await request.body())["active"])
        except (ValueError, KeyError, TypeError, DefectError) as exc:
            raise InvalidRequest(f"Bad defect request: {exc}", param="active") from exc
        return await get(request)

    async def balance(request: Request) -> JSONResponse:
        state = state_of(request.scope)
        account = await state.store.get_account((await authenticate(request.scope, state)).account_id)
        balance = account.balance_nano if account else 0
        held = await state.store.held(account.id) if account else 0
        return JSONResponse({"balance_usd": str(nano_to_usd(balance)), "held_usd": str(nano_to_usd(held)),
                             "available_usd": str(nano_to_usd(max(balance - held, 0)))})

    app.router.routes += [Route(PATH, get, methods=["GET"]), Route(PATH, put, methods=["PUT"]),
                          Route(BALANCE_PATH, balance, methods=["GET"])]
