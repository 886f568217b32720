"""Defects of ``GET /v1/models`` and ``GET /v1/models/{id}`` (``gateway/routes/models.py``), as layers
just in front of the router: the query is rewritten before the route reads it, the catalog JSON after
it answers.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qsl, urlencode

from starlette.types import ASGIApp, Receive, Scope, Send

from gateway.errors import InsufficientCredits, NotFound
from gateway.middleware.errors import send_error
from gateway.routes.models import AVAILABLE_FALSE, AVAILABLE_TRUE
from gateway.state import GatewayState, state_of
from gateway.testing.asgi import Layer, Reply, json_body, layer, rewrite_response
from gateway.testing.registry import ActiveDefects, defect

__all__ = ["install"]

MODELS_LISTING_REQUIRES_CREDITS = defect(
    "models_listing_requires_credits",
    "listing the catalog is not billable: a zero-balance key may list models",
)
AVAILABLE_FILTER_ACCEPTS_GARBAGE = defect(
    "available_filter_accepts_garbage", "a non-boolean ?available= is 400 invalid_request_error"
)
DUPLICATE_MODEL_IDS = defect("duplicate_model_ids", "model ids in the list are unique")
AVAILABLE_FLAG_INCONSISTENT = defect(
    "available_flag_inconsistent", "available is true exactly when api_status is platform or both"
)
COLON_IDS_NOT_ROUTED = defect(
    "colon_ids_not_routed", "variant ids with ':' resolve on GET /v1/models/{id}, raw or percent-encoded"
)
UNKNOWN_MODEL_200 = defect("unknown_model_200", "retrieving an unknown model is 404 model_not_found")
MODEL_PRICING_MISSING = defect("model_pricing_missing", "every model in the list carries pricing_rows")
LIST_OBJECT_MISSING = defect("list_object_missing", "the model list has object: list")
AVAILABLE_FILTER_IGNORED = defect("available_filter_ignored", "?available=true lists only available models")
MODEL_DETAIL_DROPS_PARAMETERS = defect(
    "model_detail_drops_parameters", "GET /v1/models/{id} is the same object as the list entry"
)
MODEL_DETAIL_WRONG_ID = defect("model_detail_wrong_id", "GET /v1/models/{id} returns that model")
AVAILABLE_FALSE_LISTS_ALL = defect(
    "available_false_lists_all", "?available=false lists only the models with available: false"
)
AVAILABLE_VALUE_LAX = defect(
    "available_value_lax", "?available= accepts exactly true and false (not 1, 0, yes, no, TRUE)"
)
MODELS_AVAILABLE_GARBAGE_500 = defect(
    "models_available_garbage_500", "no query value makes GET /v1/models a 5xx"
)

_LIST = "/v1/models"
_DETAIL = "/v1/models/"


def _listing(scope: Scope) -> bool:
    return bool(scope["type"] == "http" and scope["method"] == "GET" and scope["path"] == _LIST)


def _detail(scope: Scope) -> bool:
    return bool(scope["type"] == "http" and scope["method"] == "GET" and scope["path"].startswith(_DETAIL))


def _available(scope: Scope) -> str | None:
    """The raw ``available`` query value the route reads (its first occurrence), if any."""
    pairs = parse_qsl(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True)
    return next((value for name, value in pairs if name == "available"), None)


def _garbage(scope: Scope) -> bool:
    value = _available(scope)
    return value is not None and value.strip().lower() not in AVAILABLE_TRUE | AVAILABLE_FALSE


def _with_available(scope: Scope, value: str | None) -> Scope:
    pairs = [
        (n, v)
        for n, v in parse_qsl(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True)
        if n != "available"
    ]
    if value is not None:
        pairs.insert(0, ("available", value))
    return {**scope, "query_string": urlencode(pairs).encode("latin-1")}


def _listing_layer(change: Callable[[dict[str, Any]], dict[str, Any]]) -> Layer:
    """A layer rewriting a successful model list with ``change(body) -> body``."""

    def make(app: ASGIApp) -> ASGIApp:
        def rewrite(status: int, headers: list[tuple[bytes, bytes]], body: bytes) -> Reply | None:
            listing = json_body(body)
            if status != 200 or not isinstance(listing, dict) or not listing.get("data"):
                return None
            return status, headers, json.dumps(change(listing)).encode()

        async def rewritten(scope: Scope, receive: Receive, send: Send) -> None:
            if _listing(scope):
                await rewrite_response(app, scope, receive, send, rewrite)
            else:
                await app(scope, receive, send)

        return rewritten

    return make


def _without_first_pricing(listing: dict[str, Any]) -> dict[str, Any]:
    data = listing["data"]
    data[0] = {k: v for k, v in data[0].items() if k != "pricing_rows"}
    return listing


def _without_object(listing: dict[str, Any]) -> dict[str, Any]:
    del listing["object"]
    return listing


def _last_twice(listing: dict[str, Any]) -> dict[str, Any]:
    listing["data"].append(listing["data"][-1])
    return listing


def _last_flag_flipped(listing: dict[str, Any]) -> dict[str, Any]:
    last = listing["data"][-1]
    listing["data"][-1] = {**last, "available": not last["available"]}
    return listing


layer(MODEL_PRICING_MISSING, at="authenticated")(_listing_layer(_without_first_pricing))
layer(LIST_OBJECT_MISSING, at="authenticated")(_listing_layer(_without_object))
layer(DUPLICATE_MODEL_IDS, at="authenticated")(_listing_layer(_last_twice))
layer(AVAILABLE_FLAG_INCONSISTENT, at="authenticated")(_listing_layer(_last_flag_flipped))


@layer(MODELS_LISTING_REQUIRES_CREDITS, at="authenticated")
def _listing_billed(app: ASGIApp) -> ASGIApp:
    async def billed(scope: Scope, receive: Receive, send: Send) -> None:
        auth = scope.get("state", {}).get("auth")
        if _listing(scope) and auth is not None:
            account = await state_of(scope).store.get_account(auth.account_id)
            if account is not None and account.balance_nano <= 0:
                await send_error(
                    InsufficientCredits("Top up your credits to use the API."), scope, receive, send
                )
                return
        await app(scope, receive, send)

    return billed


@layer(AVAILABLE_FILTER_ACCEPTS_GARBAGE, at="authenticated")
def _garbage_accepted(app: ASGIApp) -> ASGIApp:
    async def lenient(scope: Scope, receive: Receive, send: Send) -> None:
        await app(
            _with_available(scope, "false") if _listing(scope) and _garbage(scope) else scope, receive, send
        )

    return lenient


@layer(MODELS_AVAILABLE_GARBAGE_500, at="authenticated")
def _garbage_crashes(app: ASGIApp) -> ASGIApp:
    async def crashing(scope: Scope, receive: Receive, send: Send) -> None:
        if _listing(scope) and _garbage(scope):
            raise RuntimeError("unparsed query value")
        await app(scope, receive, send)

    return crashing


@layer(AVAILABLE_FILTER_IGNORED, at="authenticated")
def _filter_ignored(app: ASGIApp) -> ASGIApp:
    async def unfiltered(scope: Scope, receive: Receive, send: Send) -> None:
        value = _available(scope) if _listing(scope) else None
        if value is not None and value.strip().lower() in AVAILABLE_TRUE:
            scope = _with_available(scope, None)
        await app(scope, receive, send)

    return unfiltered


@layer(AVAILABLE_FALSE_LISTS_ALL, at="authenticated")
def _false_lists_all(app: ASGIApp) -> ASGIApp:
    async def unfiltered(scope: Scope, receive: Receive, send: Send) -> None:
        if _listing(scope) and _available(scope) in AVAILABLE_FALSE:
            scope = _with_available(scope, None)
        await app(scope, receive, send)

    return unfiltered


_LAX_VALUES = {"1": "true", "yes": "true", "on": "true", "0": "false", "no": "false", "off": "false"}


@layer(AVAILABLE_VALUE_LAX, at="authenticated")
def _lax_values(app: ASGIApp) -> ASGIApp:
    async def lenient(scope: Scope, receive: Receive, send: Send) -> None:
        value = _available(scope) if _listing(scope) else None
        if value:
            folded = value.strip().lower()
            scope = _with_available(scope, _LAX_VALUES.get(folded, folded))
        await app(scope, receive, send)

    return lenient


@layer(COLON_IDS_NOT_ROUTED, at="authenticated")
def _colon_unrouted(app: ASGIApp) -> ASGIApp:
    async def unrouted(scope: Scope, receive: Receive, send: Send) -> None:
        model_id = scope["path"][len(_DETAIL) :] if _detail(scope) else ""
        if ":" in model_id:
            error = NotFound(f"The model '{model_id}' does not exist.", code="model_not_found", param="model")
            await send_error(error, scope, receive, send)
            return
        await app(scope, receive, send)

    return unrouted


@layer(UNKNOWN_MODEL_200, at="authenticated")
def _unknown_model_found(app: ASGIApp) -> ASGIApp:
    async def found(scope: Scope, receive: Receive, send: Send) -> None:
        first = next(iter(state_of(scope).catalog.models.values())).public_json

        def rewrite(status: int, headers: list[tuple[bytes, bytes]], body: bytes) -> Reply | None:
            error = json_body(body)
            if (
                status != 404
                or not isinstance(error, dict)
                or error.get("error", {}).get("code") != "model_not_found"
            ):
                return None
            return 200, headers, first

        if _detail(scope):
            await rewrite_response(app, scope, receive, send, rewrite)
        else:
            await app(scope, receive, send)

    return found


@layer(MODEL_DETAIL_DROPS_PARAMETERS, at="authenticated")
def _detail_without_parameters(app: ASGIApp) -> ASGIApp:
    def rewrite(status: int, headers: list[tuple[bytes, bytes]], body: bytes) -> Reply | None:
        model = json_body(body)
        if status != 200 or not isinstance(model, dict):
            return None
        return status, headers, json.dumps({**model, "supported_parameters": []}).encode()

    async def trimmed(scope: Scope, receive: Receive, send: Send) -> None:
        if _detail(scope):
            await rewrite_response(app, scope, receive, send, rewrite)
        else:
            await app(scope, receive, send)

    return trimmed


@layer(MODEL_DETAIL_WRONG_ID, at="authenticated")
def _detail_of_another_model(app: ASGIApp) -> ASGIApp:
    async def another(scope: Scope, receive: Receive, send: Send) -> None:
        entries = list(state_of(scope).catalog.models.values())

        def rewrite(status: int, headers: list[tuple[bytes, bytes]], body: bytes) -> Reply | None:
            model = json_body(body)
            if status != 200 or not isinstance(model, dict):
                return None
            other = next((m for m in entries if m.id != model.get("id")), None)
            return None if other is None else (status, headers, other.public_json)

        if _detail(scope):
            await rewrite_response(app, scope, receive, send, rewrite)
        else:
            await app(scope, receive, send)

    return another


def install(state: GatewayState, active: ActiveDefects) -> None:
    """Nothing to wrap in ``state``: this area's patches are all in the stack (declared above)."""
