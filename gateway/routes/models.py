"""``GET /v1/models`` and ``GET /v1/models/{model_id}``, served from the pre-encoded catalog."""

from __future__ import annotations

import json
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from gateway.errors import InsufficientCredits, InvalidRequest, NotFound
from gateway.state import GatewayState, state_of

__all__ = ["list_models", "retrieve_model"]

_TRUE = {"true", "1", "yes"}
_FALSE = {"false", "0", "no"}


def _json(body: bytes) -> Response:
    return Response(body, media_type="application/json")


def _available_only(request: Request) -> bool:
    raw = request.query_params.get("available")
    if raw is None:
        return False
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    if state_of(request.scope).defects.on("available_filter_accepts_garbage"):
        return False
    if state_of(request.scope).defects.on("models_available_garbage_500"):
        raise RuntimeError("unparsed query value")
    raise InvalidRequest("'available' must be true or false.", param="available", code="invalid_parameter")


def _defective_list(state: GatewayState, available_only: bool) -> bytes:
    """The model list with whichever list defects are on (test mode only; never the hot path)."""
    data: list[dict[str, Any]] = state.catalog.public_list(available_only=available_only)
    if state.defects.on("model_pricing_missing"):
        data = [{k: v for k, v in data[0].items() if k != "pricing_rows"}, *data[1:]]
    body: dict[str, Any] = {"object": "list", "data": data}
    if state.defects.on("list_object_missing"):
        del body["object"]
    if state.defects.on("duplicate_model_ids"):
        data.append(data[-1])
    if state.defects.on("available_flag_inconsistent"):
        data[-1] = {**data[-1], "available": not data[-1]["available"]}
    return json.dumps(body).encode()


async def list_models(request: Request) -> Response:
    state = state_of(request.scope)
    if state.defects.on("models_listing_requires_credits"):
        account = state.store.get_account(request.scope["state"]["auth"].account_id)
        if account is not None and account.balance_nano <= 0:
            raise InsufficientCredits("Top up your credits to use the API.")
    available_only = _available_only(request) and not state.defects.on("available_filter_ignored")
    if state.defects.active:
        return _json(_defective_list(state, available_only))
    return _json(state.catalog.available_list_json if available_only else state.catalog.list_json)


async def retrieve_model(request: Request) -> Response:
    state = state_of(request.scope)
    model_id: str = request.path_params["model_id"]
    model = state.catalog.get(model_id)
    if model is not None and ":" in model_id and state.defects.on("colon_ids_not_routed"):
        model = None
    if model is None:
        if state.defects.on("unknown_model_200"):
            return _json(next(iter(state.catalog.models.values())).public_json)
        raise NotFound(f"The model '{model_id}' does not exist.", code="model_not_found", param="model")
    if state.defects.on("model_detail_drops_parameters"):
        return _json(json.dumps({**model.public, "supported_parameters": []}).encode())
    return _json(model.public_json)
