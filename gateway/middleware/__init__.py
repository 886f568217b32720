"""The request path, as plain ASGI middleware classes; :data:`STACK` declares their order once.

``request id → crash guard → auth → usage → body_limit → limits → credits``. Admission of a billable request (credits, then the rate
limit) happens in :mod:`gateway.middleware.gate` once the route has decoded it (D-4); the limits and
credits middleware add the rate-limit headers and settle the cost as the response goes out. Unhandled exceptions and the
router's own 404/405 are rendered in the endpoint's envelope by :mod:`gateway.middleware.errors`.
"""

from __future__ import annotations

from starlette.middleware import Middleware

from gateway.middleware.auth import AuthMiddleware
from gateway.middleware.body_limit import BodyLimitMiddleware
from gateway.middleware.crash import CrashMiddleware
from gateway.middleware.credits import CreditsMiddleware
from gateway.middleware.limits import LimitsMiddleware
from gateway.middleware.request_id import RequestIdMiddleware
from gateway.middleware.usage import UsageMiddleware

__all__ = ["AuthMiddleware", "BodyLimitMiddleware", "CrashMiddleware", "CreditsMiddleware", "LimitsMiddleware", "RequestIdMiddleware", "UsageMiddleware", "build_stack"]

def build_stack() -> list[Middleware]:
    """The middleware list for Starlette, outermost first: the request path's order, declared once."""
    return [Middleware(RequestIdMiddleware), Middleware(CrashMiddleware), Middleware(AuthMiddleware), Middleware(UsageMiddleware),
            Middleware(BodyLimitMiddleware), Middleware(LimitsMiddleware), Middleware(CreditsMiddleware)]
