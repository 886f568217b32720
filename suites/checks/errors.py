"""Checks on error responses: status, envelope (OpenAI or Anthropic) and code."""

from __future__ import annotations

from typing import Any

import httpx

from suites.checks import CheckFailure
from suites.contract import Contract

__all__ = ["anthropic_error", "no_server_error", "openai_error"]

ANTHROPIC_TYPE_BY_STATUS = {
    400: "invalid_request_error",
    401: "authentication_error",
    402: "billing_error",
    403: "permission_error",
    404: "not_found_error",
    413: "request_too_large",
    429: "rate_limit_error",
    500: "api_error",
    502: "api_error",
    503: "overloaded_error",
    529: "overloaded_error",
}


def _json(response: httpx.Response, check: str) -> Any:
    try:
        return response.json()
    except ValueError:
        raise CheckFailure(
            check,
            f"{response.status_code} body is not JSON "
            f"(content-type {response.headers.get('content-type')!r}): {response.text[:200]!r}",
        ) from None


def openai_error(
    response: httpx.Response, contract: Contract, *, status: int, code: str | None = None, type: str | None = None
) -> dict[str, Any]:
    """The response is ``status`` with an OpenAI error envelope (and ``code``/``type`` when given)."""
    name = "openai_error_envelope"
    if response.status_code != status:
        raise CheckFailure(name, f"expected status {status}, got {response.status_code}: {response.text[:300]!r}")
    body = _json(response, name)
    problems = contract.schema_errors("#/components/schemas/OpenAIError", body)
    if problems:
        raise CheckFailure(name, f"not an OpenAI error envelope: {problems[:3]} in {body!r}")
    error: dict[str, Any] = body["error"]
    if code is not None and error.get("code") != code:
        raise CheckFailure("error_code", f"expected code {code!r}, got {error.get('code')!r}")
    if type is not None and error.get("type") != type:
        raise CheckFailure("error_type", f"expected type {type!r}, got {error.get('type')!r}")
    return error


def anthropic_error(response: httpx.Response, contract: Contract, *, status: int) -> dict[str, Any]:
    """The response is ``status`` with an Anthropic error envelope of the type that status implies."""
    name = "anthropic_error_envelope"
    if response.status_code != status:
        raise CheckFailure(name, f"expected status {status}, got {response.status_code}: {response.text[:300]!r}")
    body = _json(response, name)
    problems = contract.schema_errors("#/components/schemas/AnthropicError", body)
    if problems:
        raise CheckFailure(name, f"not an Anthropic error envelope: {problems[:3]} in {body!r}")
    expected = ANTHROPIC_TYPE_BY_STATUS.get(status)
    if expected and body["error"]["type"] != expected:
        raise CheckFailure("anthropic_error_type", f"status {status} needs type {expected!r}, got {body['error']['type']!r}")
    return body["error"]  # type: ignore[no-any-return]


def no_server_error(response: httpx.Response) -> None:
    if response.status_code >= 500:
        raise CheckFailure("not_a_server_error", f"{response.status_code}: {response.text[:300]!r}")
