"""``GET /v1/models`` and ``GET /v1/models/{model_id}``, served from the pre-encoded catalog."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from gateway.errors import InvalidRequest, NotFound
from gateway.state import state_of

__all__ = ["AVAILABLE_FALSE", "AVAILABLE_TRUE", "list_models", "retrieve_model"]

AVAILABLE_TRUE = frozenset({"true", "1", "yes"})
AVAILABLE_FALSE = frozenset({"false", "0", "no"})


def _json(body: bytes) -> Response:
    return Response(body, media_type="application/json")


def _available_only(request: Request) -> bool:
    raw = request.query_params.get("available")
    if raw is None:
        return False
    value = raw.strip().lower()
    if value in AVAILABLE_TRUE:
        return True
    if value in AVAILABLE_FALSE:
        return False
    raise InvalidRequest("'available' must be true or false.", param="available", code="invalid_parameter")


async def list_models(request: Request) -> Response:
    state = state_of(request.scope)
    return _json(state.catalog.available_list_json if _available_only(request) else state.catalog.list_json)


async def retrieve_model(request: Request) -> Response:
    state = state_of(request.scope)
    model_id: str = request.path_params["model_id"]
    model = state.catalog.get(model_id)
    if model is None:
        raise NotFound(f"The model '{model_id}' does not exist.", code="model_not_found", param="model")
    return _json(model.public_json)
