"""The request path, as plain ASGI middleware classes; :data:`STACK` declares their order once.

``auth → body_limit`` (limits and credits join in later issues). Unhandled exceptions and the
router's own 404/405 are rendered in the endpoint's envelope by :mod:`gateway.middleware.errors`.
"""

from __future__ import annotations

from starlette.middleware import Middleware

from gateway.middleware.auth import AuthMiddleware
from gateway.middleware.body_limit import BodyLimitMiddleware

__all__ = ["AuthMiddleware", "BodyLimitMiddleware", "build_stack"]

def build_stack() -> list[Middleware]:
    """The middleware list for Starlette, outermost first: the request path's order, declared once."""
    return [Middleware(AuthMiddleware), Middleware(BodyLimitMiddleware)]
