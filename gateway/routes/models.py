"""``GET /v1/models`` and ``GET /v1/models/{model_id}``, served from the pre-encoded catalog."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from gateway.errors import InvalidRequest, NotFound, shown
from gateway.routes.testmode import maybe_fail
from gateway.state import state_of

__all__ = ["AVAILABLE_FALSE", "AVAILABLE_TRUE", "list_models", "retrieve_model"]

AVAILABLE_TRUE = frozenset({"true"})
AVAILABLE_FALSE = frozenset({"false"})


def _json(body: bytes) -> Response:
    return Response(body, media_type="application/json")


def _available_filter(request: Request) -> bool | None:
    """The ``available`` filter asked for: ``True``, ``False`` or ``None`` (absent); D-15, D-37."""
    raw = request.query_params.get("available")
    if raw is None:
        return None
    if raw in AVAILABLE_TRUE:
        return True
    if raw in AVAILABLE_FALSE:
        return False
    raise InvalidRequest("'available' must be true or false.", param="available", code="invalid_parameter")


async def list_models(request: Request) -> Response:
    maybe_fail(request)
    catalog = state_of(request.scope).catalog
    wanted = _available_filter(request)
    if wanted is None:
        return _json(catalog.list_json)
    return _json(catalog.available_list_json if wanted else catalog.unavailable_list_json)


async def retrieve_model(request: Request) -> Response:
    maybe_fail(request)
    state = state_of(request.scope)
    model_id: str = request.path_params["model_id"]
    model = state.catalog.get(model_id)
    if model is None:
        raise NotFound(f"The model '{shown(model_id)}' does not exist.", code="model_not_found", param="model")
    return _json(model.public_json)
