"""What varies between OpenAI-compatible providers: auth, error envelope, reasoning, cache accounting.

:class:`OpenAIDialect` is plain OpenAI; other OpenAI-compatible families (DeepSeek) subclass it and
override the hooks, so one chat completions implementation serves them all.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from starlette.requests import Request

from mocks.openai.request import ChatRequest
from mocks.provider import ApiError

__all__ = ["OpenAIDialect", "Reasoning"]


@dataclass(frozen=True)
class Reasoning:
    """Reasoning is on for this request; ``budget`` caps its tokens."""

    budget: int | None = None


class OpenAIDialect:
    """Plain OpenAI: Bearer auth, OpenAI error types, no reasoning, no cache hits."""

    error_types: ClassVar[dict[int, tuple[str, str | None]]] = {
        400: ("invalid_request_error", None),
        401: ("invalid_request_error", "invalid_api_key"),
        402: ("insufficient_quota", "insufficient_quota"),
        403: ("invalid_request_error", "unsupported_country_region_territory"),
        429: ("requests", "rate_limit_exceeded"),
        503: ("server_error", "overloaded"),
    }

    def authenticate(self, request: Request) -> ApiError | None:
        auth = request.headers.get("authorization", "")
        scheme, _, key = auth.partition(" ")
        if scheme.lower() != "bearer" or not key.strip():
            return ApiError(401, "You didn't provide an API key. You need to provide your API key in an "
                                 "Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).")
        return None

    def body(self, error: ApiError, message: str, request_id: str) -> dict[str, Any]:
        kind, code = self.error_types.get(error.status, ("server_error" if error.status >= 500 else
                                                         "invalid_request_error", None))
        return {"error": {"message": message, "type": error.type or kind, "param": error.param,
                          "code": error.code if error.code is not None else code}}

    def headers(self, error: ApiError) -> dict[str, str]:
        if error.status in (429, 503, 529):
            return {"retry-after": "1"}
        return {}

    def validate(self, chat: ChatRequest, body: dict[str, Any]) -> None:
        """Provider-specific checks on top of the common ones. Plain OpenAI-compatible upstreams know no
        ``reasoning_content`` in input messages and refuse it (the gateway removes it first, D-8)."""
        for i, message in enumerate(chat.messages):
            if "reasoning_content" in message:
                raise ApiError(400, f"Unrecognized request argument supplied: messages[{i}].reasoning_content",
                               type="invalid_request_error", param=f"messages[{i}].reasoning_content",
                               code="unknown_parameter")

    def reasoning(self, chat: ChatRequest, body: dict[str, Any]) -> Reasoning | None:
        return None

    def cached_tokens(self, chat: ChatRequest) -> int:
        return 0

    def usage_extra(self, chat: ChatRequest, cached: int) -> dict[str, Any]:
        return {}
