"""Error envelopes: the one place each format renders a :class:`GatewayError`.

OpenAI shape ``{"error": {"message", "type", "param", "code"}}`` everywhere except ``/v1/messages``,
which answers in the Anthropic shape ``{"type": "error", "error": {"type", "message"}}``.
"""

from __future__ import annotations

import json
from typing import Literal

from gateway.errors import GatewayError

__all__ = ["ANTHROPIC_TYPES", "Envelope", "envelope_for_path", "render_error"]

Envelope = Literal["openai", "anthropic"]

ANTHROPIC_TYPES: dict[int, str] = {
    400: "invalid_request_error",
    401: "authentication_error",
    402: "billing_error",
    403: "permission_error",
    404: "not_found_error",
    405: "invalid_request_error",
    408: "invalid_request_error",
    413: "request_too_large",
    431: "request_too_large",
    429: "rate_limit_error",
    500: "api_error",
    502: "api_error",
    503: "overloaded_error",
}


def envelope_for_path(path: str) -> Envelope:
    """The envelope a path answers errors in."""
    if path == "/v1/messages" or path.startswith("/v1/messages/"):
        return "anthropic"
    return "openai"


def render_error(error: GatewayError, envelope: Envelope) -> bytes:
    """Serialise ``error`` in ``envelope`` as UTF-8 JSON."""
    if envelope == "anthropic":
        body: dict[str, object] = {
            "type": "error",
            "error": {"type": ANTHROPIC_TYPES.get(error.status, "api_error"), "message": error.message},
        }
    else:
        body = {
            "error": {
                "message": error.message,
                "type": error.type,
                "param": error.param,
                "code": error.code,
            }
        }
    try:
        return json.dumps(body, ensure_ascii=False).encode()
    except UnicodeEncodeError:  # a lone surrogate in what the message quotes: escape it, never drop the error
        return json.dumps(body, ensure_ascii=True).encode()
