"""``GET /v1/models`` (and ``/v1/models/{id}``) in each provider's own plain shape.

The gateway never calls these; they let a mock family be pointed at directly, as if it were a
deployment without EmpirioLabs' catalog fields (the harness's plain-deployment tests). OpenAI-compatible
families answer ``{"object": "list", "data": [{"id", "object", "created", "owned_by"}]}``; Anthropic
answers ``{"data": [{"type", "id", "display_name", "created_at"}], "has_more", "first_id", "last_id"}``.
Any non-empty key is accepted, as ``Authorization: Bearer`` or ``x-api-key``.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.routing import Route

from mocks.faults import Plan
from mocks.provider import ApiError, Envelope, Family, dumps, render_error
from mocks.wire import JSONDelivery

__all__ = ["MODELS", "routes"]

MODELS: dict[str, tuple[str, ...]] = {
    "openai": ("gpt-4.1", "gpt-4.1-mini", "gpt-4o-mini"),
    "deepseek": ("deepseek-chat", "deepseek-reasoner"),
    "anthropic": ("claude-haiku-4-5", "claude-sonnet-4-5"),
}
"""The model ids each family lists; its chat or messages endpoint answers for any id."""

_CREATED = 1_735_689_600  # 2025-01-01T00:00:00Z


def _openai_entry(family: str, model_id: str) -> dict[str, Any]:
    return {"id": model_id, "object": "model", "created": _CREATED, "owned_by": family}


def _anthropic_entry(model_id: str) -> dict[str, Any]:
    name = " ".join(part.capitalize() for part in model_id.split("-"))
    return {"type": "model", "id": model_id, "display_name": name, "created_at": "2025-01-01T00:00:00Z"}


def _entry(family: str, model_id: str) -> dict[str, Any]:
    return _anthropic_entry(model_id) if family == "anthropic" else _openai_entry(family, model_id)


def _listing(family: str) -> dict[str, Any]:
    ids = MODELS[family]
    if family == "anthropic":
        return {"data": [_anthropic_entry(i) for i in ids], "has_more": False, "first_id": ids[0], "last_id": ids[-1]}
    return {"object": "list", "data": [_openai_entry(family, i) for i in ids]}


def _key(request: Request) -> str:
    bearer = request.headers.get("authorization", "")
    return (bearer[7:] if bearer.lower().startswith("bearer ") else "").strip() or \
        request.headers.get("x-api-key", "").strip()


def routes(family: Family, envelope: Envelope) -> list[Route]:
    """The listing routes for ``family`` (none for a family that lists no models)."""
    if family.name not in MODELS:
        return []

    async def answer(request: Request) -> Any:
        request_id = family.new_request_id()
        family.state.record(request, await request.body(), request_id)
        model_id = request.path_params.get("model_id")
        if not _key(request):
            error = ApiError(401, "An API key is required (Authorization: Bearer or x-api-key).",
                             type="authentication_error", code="invalid_api_key")
        elif model_id is not None and model_id not in MODELS[family.name]:
            error = ApiError(404, f"The model '{model_id}' does not exist.", type="not_found_error",
                             code="model_not_found")
        else:
            body = _listing(family.name) if model_id is None else _entry(family.name, model_id)
            return JSONDelivery(dumps(body).encode(), 200, family.headers(request_id), Plan())
        return render_error(family, envelope, error, request_id)

    return [Route("/v1/models", answer, methods=["GET"]),
            Route("/v1/models/{model_id:path}", answer, methods=["GET"])]

