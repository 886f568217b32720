"""The gateway's one exception tree.

    GatewayError                  status, type, code, message, param
    ├── InvalidRequest            400 invalid_request_error
    │   ├── MalformedHTTP         400 malformed_http (the server's parser refused the bytes, D-73)
    │   ├── MethodNotAllowed      405
    │   ├── RequestTimeout        408 request_timeout (head or body too slow, D-71)
    │   ├── RequestTooLarge       413
    │   └── HeaderFieldsTooLarge  431 request_header_fields_too_large (D-70)
    ├── AuthenticationFailed      401 authentication_error  (missing_api_key | invalid_api_key)
    ├── InsufficientCredits       402 billing_error / insufficient_credits
    ├── NotFound                  404 not_found_error       (model_not_found | job_not_found | not_found)
    ├── RateLimited               429 rate_limit_error / rate_limit_exceeded
    │   └── TooManyConnections    429 too_many_connections (per client address, D-70)
    ├── InternalError             500 api_error / internal_error
    ├── UpstreamError             502 api_error / upstream_error
    └── ModelUnavailable          503 api_error / model_unavailable

Messages are written for API users: they never carry an upstream host, key or request id.
"""

from __future__ import annotations

import json

__all__ = [
    "AuthenticationFailed",
    "GatewayError",
    "HeaderFieldsTooLarge",
    "InsufficientCredits",
    "InternalError",
    "InvalidRequest",
    "MalformedHTTP",
    "MethodNotAllowed",
    "ModelUnavailable",
    "NotFound",
    "RateLimited",
    "RequestTimeout",
    "RequestTooLarge",
    "TooManyConnections",
    "UpstreamError",
    "shown",
]

SHOWN_LIMIT = 64
"""An error message quotes at most this many characters of a client's value (D-66)."""


def shown(value: object) -> str:
    """``value`` as an error message may quote it: as is when short and printable, else JSON-escaped
    (control characters, lone surrogates and non-ASCII as ``\\u`` escapes) and cut to :data:`SHOWN_LIMIT`."""
    text = value if isinstance(value, str) else repr(value)
    if len(text) <= SHOWN_LIMIT and text.isprintable() and text.isascii():
        return text
    cut = text[:SHOWN_LIMIT]
    return json.dumps(cut, ensure_ascii=True)[1:-1] + ("…" if len(text) > SHOWN_LIMIT else "")


class GatewayError(Exception):
    """An error the gateway answers with; rendered in the endpoint's envelope."""

    status: int = 500
    type: str = "api_error"
    code: str = "internal_error"

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        param: str | None = None,
        headers: dict[str, str] | None = None,
        status: int | None = None,
    ) -> None:
        super().__init__(message)
        if status is not None:
            self.status = status
        self.message = message
        if code is not None:
            self.code = code
        self.param = param
        self.headers = headers or {}


class InvalidRequest(GatewayError):
    status = 400
    type = "invalid_request_error"
    code = "invalid_parameter"


class MethodNotAllowed(InvalidRequest):
    status = 405
    code = "method_not_allowed"


class RequestTooLarge(InvalidRequest):
    status = 413
    code = "request_too_large"


class MalformedHTTP(InvalidRequest):
    code = "malformed_http"


class RequestTimeout(InvalidRequest):
    status = 408
    code = "request_timeout"


class HeaderFieldsTooLarge(InvalidRequest):
    status = 431
    code = "request_header_fields_too_large"


class AuthenticationFailed(GatewayError):
    status = 401
    type = "authentication_error"
    code = "invalid_api_key"


class InsufficientCredits(GatewayError):
    status = 402
    type = "billing_error"
    code = "insufficient_credits"


class NotFound(GatewayError):
    status = 404
    type = "not_found_error"
    code = "not_found"


class RateLimited(GatewayError):
    status = 429
    type = "rate_limit_error"
    code = "rate_limit_exceeded"


class TooManyConnections(RateLimited):
    code = "too_many_connections"


class InternalError(GatewayError):
    status = 500


class UpstreamError(GatewayError):
    status = 502
    code = "upstream_error"


class ModelUnavailable(GatewayError):
    status = 503
    code = "model_unavailable"
