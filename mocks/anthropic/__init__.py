"""The Anthropic family: ``POST /v1/messages``, streaming or not, in Anthropic's own wire format.

Auth is ``x-api-key`` (any non-empty value) plus an ``anthropic-version`` header. Errors use
``{"type": "error", "error": {"type", "message"}, "request_id"}``; every response carries both
``x-request-id`` and ``request-id``.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.routing import Route

from mocks.anthropic.message import build_reply, message_body, stream_events
from mocks.anthropic.request import parse_messages
from mocks.provider import STATUS_MESSAGES, ApiError, Call, Family, dumps, endpoint
from mocks.wire import Event, JSONDelivery, SSEDelivery

__all__ = ["AnthropicEnvelope", "routes"]

ERROR_TYPES: dict[int, str] = {
    400: "invalid_request_error",
    401: "authentication_error",
    402: "billing_error",
    403: "permission_error",
    404: "not_found_error",
    413: "request_too_large",
    429: "rate_limit_error",
    500: "api_error",
    503: "overloaded_error",
    529: "overloaded_error",
}


class AnthropicEnvelope:
    def body(self, error: ApiError, message: str, request_id: str) -> dict[str, Any]:
        kind = error.type or ERROR_TYPES.get(error.status, "api_error" if error.status >= 500
                                             else "invalid_request_error")
        return {"type": "error", "error": {"type": kind, "message": message}, "request_id": request_id}

    def headers(self, error: ApiError) -> dict[str, str]:
        return {"retry-after": "1"} if error.status in (429, 503, 529) else {}


def authenticate(request: Request) -> ApiError | None:
    if not request.headers.get("x-api-key", "").strip():
        return ApiError(401, "x-api-key header is required", type="authentication_error")
    if not request.headers.get("anthropic-version", "").strip():
        return ApiError(400, "anthropic-version: header is required", type="invalid_request_error")
    return None


def routes(family: Family) -> list[Route]:
    envelope = AnthropicEnvelope()

    async def handle(call: Call) -> Any:
        req = parse_messages(call.body)
        call.acknowledge(req.media)
        user_text, plan = call.plan(req.user_text)
        if plan.status:
            raise ApiError.injected(plan.status, plan)
        reply = build_reply(req, user_text)
        if req.stream:
            failure = ApiError(529, f"{STATUS_MESSAGES[529]} {family.bait(call.request_id)}")
            error = Event(dumps(envelope.body(failure, failure.message, call.request_id)), "error")
            return SSEDelivery(stream_events(reply, plan.chunk), call.headers, plan, error)
        return JSONDelivery(dumps(message_body(reply)).encode(), 200, call.headers, plan)

    return [Route("/v1/messages", endpoint(family, envelope, authenticate, handle), methods=["POST"])]
