"""Test mode: the presenting key's account's keys, managed from outside (D-202): what the suites'
``--keys-url`` drives to check the key limit, revocation and expiry.

``GET /__test__/keys`` → ``{"limit": 50, "data": [{"key_id", "label", "created_at", "expires_at", "revoked_at",
"live"}]}``; ``POST /__test__/keys`` with ``{"label"?, "expires_in"?: seconds on the gateway's clock}`` → 201
``{"key_id", "api_key", "expires_at"}``, or 409 ``key_limit_reached`` when the account already holds its
limit of unrevoked keys; ``DELETE /__test__/keys/{key_id}`` revokes a key of the account (404 otherwise).
Each authenticates the key presented as on the API (``Authorization: Bearer`` or ``x-api-key``; 401 otherwise).
The keys are made by ``state.store.add_key``, as the admin CLI makes them.
"""

from __future__ import annotations

import json
import math
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from gateway.errors import InvalidRequest, NotFound
from gateway.middleware.auth import authenticate
from gateway.security import digest, new_key
from gateway.state import state_of
from gateway.store import MAX_KEYS_PER_ACCOUNT, ApiKey, StoreError

__all__ = ["KEYS_PATH", "mount"]

KEYS_PATH = "/__test__/keys"
MAX_EXPIRY = 10 * 365 * 86400


def _key(key: ApiKey, now: float) -> dict[str, Any]:
    return {"key_id": key.id, "label": key.label, "created_at": key.created_at, "expires_at": key.expires_at,
            "revoked_at": key.revoked_at, "live": key.live(now)}


def _body(raw: bytes) -> tuple[str, float | None]:
    try:
        body = json.loads(raw or b"{}")
        label, expires_in = body.get("label", "test"), body.get("expires_in")
        if not isinstance(label, str) or (expires_in is not None and not 0 <= float(expires_in) <= MAX_EXPIRY):
            raise ValueError("label is a string, expires_in seconds from 0 to ten years")
    except (ValueError, TypeError, AttributeError) as exc:
        raise InvalidRequest(f"Bad key request: {exc}", param="expires_in") from exc
    return label, None if expires_in is None else float(expires_in)


def mount(app: Starlette) -> None:
    async def listing(request: Request) -> JSONResponse:
        state = state_of(request.scope)
        auth = await authenticate(request.scope, state)
        now = state.clock.now()
        return JSONResponse({"limit": MAX_KEYS_PER_ACCOUNT,
                             "data": [_key(k, now) for k in await state.store.list_keys(auth.account_id)]})

    async def create(request: Request) -> JSONResponse:
        state = state_of(request.scope)
        auth = await authenticate(request.scope, state)
        label, expires_in = _body(await request.body())
        expires_at = None if expires_in is None else math.ceil(state.clock.now() + expires_in)
        key = new_key()
        try:
            record = await state.store.add_key(auth.account_id, digest(key, state.store.pepper()), label,
                                               expires_at=expires_at)
        except StoreError as exc:
            raise InvalidRequest(str(exc), code="key_limit_reached", status=409) from exc
        return JSONResponse({"key_id": record.id, "api_key": key, "expires_at": record.expires_at}, status_code=201)

    async def revoke(request: Request) -> JSONResponse:
        state = state_of(request.scope)
        auth = await authenticate(request.scope, state)
        key_id = request.path_params["key_id"]
        if key_id not in {k.id for k in await state.store.list_keys(auth.account_id) if k.revoked_at is None}:
            raise NotFound("No live key of this account has that id.", code="not_found")
        record = await state.store.revoke_key(key_id)
        return JSONResponse(_key(record, state.clock.now()))

    app.router.routes += [Route(KEYS_PATH, listing, methods=["GET"]), Route(KEYS_PATH, create, methods=["POST"]),
                          Route(KEYS_PATH + "/{key_id}", revoke, methods=["DELETE"])]
