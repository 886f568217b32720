"""Checks on error responses: status, envelope (OpenAI or Anthropic) and code."""

from __future__ import annotations

from typing import Any

import httpx

from suites.checks import CheckFailure, cut, expect, fail, holds
from suites.contract import Contract
from suites.operations import Documented
from suites.rules import register, register_all

__all__ = ["DOCUMENTED_SCHEMA", "UNKNOWN_ID", "anthropic_error", "documented_error", "no_server_error",
           "openai_error", "retry_after_given"]

register_all("docs:api-reference-overview#errors", {
    "openai_error_envelope": "errors on chat/responses (and the other OpenAI-style endpoints) are "
                             '{"error": {"message", "type", "code"}} with the expected status',
    "anthropic_error_envelope": "errors on /v1/messages are in Anthropic's shape with the expected status",
})
register("error_code", "docs:rate-limits-and-api-keys#common-errors",
         "the error code is the documented one for the case (missing_api_key, invalid_api_key, …)")
register("error_code_decided", "decision:D-2", "the error code the contract assigns to a case the docs do not name")
register("error_type", "decision:D-2", "the OpenAI error type the contract pins to the status")
register("anthropic_error_type", "anthropic:errors#http-errors", "Anthropic's error type for the HTTP status")
register("anthropic_error_type_decided", "decision:D-2",
         "the Anthropic error type for a status Anthropic does not send (502, 503)")
register("not_a_server_error", "openai:error-codes", "a client mistake is a 4xx, never a 5xx")
DOCUMENTED_SCHEMA = "documented_error_schema"
UNKNOWN_ID = "unknown_id_404"
register(DOCUMENTED_SCHEMA, "docs:api-reference-overview#errors",
         "every error an operation answers is in its envelope (Anthropic's on /v1/messages, OpenAI's elsewhere) and "
         "matches the schema the operation documents for that status")
register(UNKNOWN_ID, "decision:D-134",
         "an id in the path that names nothing of the account (model, stored response, job) is that operation's "
         "documented 404, never a 5xx")

DOCUMENTED_CODES = frozenset({"missing_api_key", "invalid_api_key", "insufficient_credits", "model_not_found",
                              "rate_limit_exceeded", "model_unavailable", "upstream_error"})
"""The error codes the docs' table lists (``rate-limits-and-api-keys#common-errors``)."""

ANTHROPIC_DOCUMENTED_STATUSES = frozenset({400, 401, 402, 403, 404, 413, 429, 500, 529})
"""Statuses whose error type Anthropic's API documents."""

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
        fail("error_code" if code in DOCUMENTED_CODES else "error_code_decided",
             f"expected code {code!r}, got {error.get('code')!r}")
    if type is not None and error.get("type") != type:
        fail("error_type", f"expected type {type!r}, got {error.get('type')!r}")
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
        fail("anthropic_error_type" if status in ANTHROPIC_DOCUMENTED_STATUSES else "anthropic_error_type_decided", f"status {status} needs type {expected!r}, got {body['error']['type']!r}")
    return body["error"]  # type: ignore[no-any-return]


def no_server_error(response: httpx.Response) -> None:
    """The response is not a 5xx."""
    if response.status_code >= 500:
        raise CheckFailure("not_a_server_error", f"{response.status_code}: {response.text[:300]!r}")


def documented_error(response: httpx.Response, contract: Contract, op: Documented, status: int, *, rule: str,
                     code: str | None = None) -> dict[str, Any]:
    """Rule ``rule``: ``op`` answered ``status``; then that answer matches the schema ``op`` documents for
    ``status`` (:data:`DOCUMENTED_SCHEMA`) and is in the envelope that schema is in, with ``code`` where
    the OpenAI envelope names one. Returns the error object (empty when a decision ``rule`` the profile does not
    apply saw another status)."""
    if response.status_code != status:
        fail(rule, f"expected {status} from {op.id}, got {response.status_code}: {cut(response.text, 240)}")
        return {}  # ``rule`` is a decision the profile does not apply: nothing else to hold this answer to
    body = _json(response, DOCUMENTED_SCHEMA)
    ref = op.schema_of(status)
    problems = contract.schema_errors(ref, body) if ref else []
    holds(DOCUMENTED_SCHEMA, not problems,
          f"{op.id} {status} does not match {ref}: {problems[:3]} in {cut(body, 240)}")
    if op.envelope(status) == "anthropic":
        return anthropic_error(response, contract, status=status)
    return openai_error(response, contract, status=status, code=code)


def retry_after_given(response: httpx.Response, where: str) -> None:
    """Rule ``rate_limit_retry_after`` (D-4): a 429 says in whole seconds when to retry."""
    value = response.headers.get("retry-after", "")
    expect("rate_limit_retry_after", value.isdigit() and int(value) > 0, f"{where}: retry-after in seconds", value)
