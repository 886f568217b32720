"""Documented operations this build of the reference gateway does not serve yet.

They are routed (so auth, 405 and the envelopes behave as the contract says for every documented path)
and answer 503 ``model_unavailable``, which the contract allows for a model the deployment cannot reach.
A JSON request that names a ``model`` has it resolved first, as on every generation endpoint (D-15, D-47):
an unknown or unavailable model is 404 ``model_not_found``, one not served on the path 400
``model_not_supported_on_endpoint``. Each later issue replaces its entry with the real route.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from gateway.errors import ModelUnavailable
from gateway.formats.json_body import parse_json
from gateway.formats.parameters import resolve_model
from gateway.state import state_of

__all__ = ["PENDING_PATHS", "routes"]

PENDING_PATHS: tuple[tuple[str, str], ...] = (
    ("POST", "/v1/images/generations"),
)


async def _named_model(request: Request) -> tuple[bool, object]:
    """(whether the body is a JSON object naming ``model``, the model it names)."""
    if request.method != "POST" or "json" not in request.headers.get("content-type", "json"):
        return False, None
    raw = await request.body()
    if not raw.strip():
        return False, None
    body = parse_json(raw)
    return (True, body["model"]) if isinstance(body, dict) and "model" in body else (False, None)


async def _not_served(request: Request) -> Response:
    named, model_id = await _named_model(request)
    if named:
        resolve_model(state_of(request.scope).catalog.get, model_id, request.url.path)
    raise ModelUnavailable(f"{request.method} {request.url.path} is not served by this deployment yet.")


def routes() -> list[BaseRoute]:
    return [Route(path, _not_served, methods=[method]) for method, path in PENDING_PATHS]
