"""Documented operations this build of the reference gateway does not serve yet.

They are routed (so auth, 405 and the envelopes behave as the contract says for every documented path)
and answer 503 ``model_unavailable``, which the contract allows for a model the deployment cannot reach.
Each later issue replaces its entry with the real route.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from gateway.errors import ModelUnavailable

__all__ = ["PENDING_PATHS", "routes"]

PENDING_PATHS: tuple[tuple[str, str], ...] = (
    ("POST", "/v1/embeddings"),
    ("POST", "/v1/images/generations"),
    ("POST", "/v1/videos/generations"),
    ("POST", "/v1/audio/speech"),
    ("POST", "/v1/audio/transcriptions"),
    ("POST", "/v1/search"),
    ("POST", "/v1/files/upload"),
    ("GET", "/v1/jobs/{job_id}"),
)


async def _not_served(request: Request) -> Response:
    raise ModelUnavailable(f"{request.method} {request.url.path} is not served by this deployment yet.")


def routes() -> list[BaseRoute]:
    return [Route(path, _not_served, methods=[method]) for method, path in PENDING_PATHS]
