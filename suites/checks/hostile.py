"""Checks of how a deployment answers hostile input: never a 5xx (a client's mistake is a 4xx), the error in
the endpoint's envelope, the refusal the project decided for each kind of bad input (D-66 … D-69), and an
error that quotes little of what it was sent, escaped.

The order matters for operators checking other deployments under ``--rules documented``: the documented
rules (no 5xx, the envelope) are checked first and fail on their own; the decided refusals (400 rather
than accepted) then fail only under ``--rules all``.
"""

from __future__ import annotations

import json
from typing import Any

import httpx

from suites.checks import errors, expect, fail
from suites.contract import Contract
from suites.rules import register

__all__ = ["LIMIT_QUOTED", "envelope_of", "never_5xx", "quotes_little", "refused"]

LIMIT_QUOTED = 64
"""D-66: an error quotes at most this many characters of a client's value."""

register("text_must_be_utf8", "decision:D-66",
         "invalid UTF-8 and lone surrogates are 400, naming the field (OpenAI envelope's param)")
register("body_encoding_utf8", "decision:D-66", "a body with a byte-order mark or in UTF-16/32 is 400 invalid_json")
register("duplicate_keys_400", "decision:D-66", "a member name repeated in one object is 400 invalid_json")
register("non_finite_400", "decision:D-66", "NaN, Infinity and numbers overflowing to infinity are 400")
register("error_quotes_bounded", "decision:D-66",
         "an error is valid UTF-8 JSON quoting at most 64 characters of any client value, with no control characters")
register("nesting_limit_400", "decision:D-67", "a body nested deeper than 64 levels is 400 invalid_json")
register("tool_schema_400", "decision:D-68", "a tool schema that is not a JSON Schema is 400 naming the tool")
register("near_miss_path_404", "decision:D-69",
         "a trailing slash, doubled slash or case variant of a path is 404 in the envelope, never a redirect")
register("host_not_reflected", "decision:D-69", "no response header or body carries the client's Host header")
register("chat_range_400", "openai:chat-create",
         "a chat parameter outside its published range is 400 naming the parameter")
register("messages_range_400", "anthropic:messages-create",
         "a Messages parameter outside its published range is 400")
register("responses_range_400", "openai:responses-create",
         "a Responses parameter outside its published range is 400 naming the parameter")


def never_5xx(response: httpx.Response, what: str) -> None:
    """A client's mistake is answered 4xx or served, never 5xx (rule ``not_a_server_error``)."""
    if response.status_code >= 500:
        fail("not_a_server_error", f"{what}: {response.status_code} {response.text[:240]!r}")


def envelope_of(response: httpx.Response, contract: Contract, envelope: str) -> dict[str, Any] | None:
    """For a 4xx: the error in the endpoint's envelope (documented rules); None for any other status."""
    if not 400 <= response.status_code < 500:
        return None
    if envelope == "anthropic":
        return errors.anthropic_error(response, contract, status=response.status_code)
    return errors.openai_error(response, contract, status=response.status_code)


def refused(response: httpx.Response, contract: Contract, envelope: str, rule: str, what: str, *,
            status: int = 400, code: str | None = None, param_in: str | None = None) -> None:
    """``what`` was refused with ``status`` (and ``code``; an OpenAI ``param`` containing ``param_in``)
    under ``rule``, after the documented rules: no 5xx, and a 4xx in the endpoint's envelope."""
    never_5xx(response, what)
    error = envelope_of(response, contract, envelope)
    expect(rule, response.status_code == status, f"{what}: {status}", f"{response.status_code} {response.text[:200]!r}")
    if error is None or envelope == "anthropic":
        return
    if code is not None:
        expect(rule, error.get("code") == code, f"{what}: code {code!r}", error.get("code"))
    if param_in is not None:
        param = error.get("param")
        expect(rule, isinstance(param, str) and param_in in param, f"{what}: param naming {param_in!r}", param)


def quotes_little(body: bytes, sent: str | None = None) -> None:
    """The error body is strict UTF-8 JSON whose message has no control characters and quotes at most
    :data:`LIMIT_QUOTED` characters of ``sent`` (rule ``error_quotes_bounded``)."""
    try:
        answer = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        fail("error_quotes_bounded", f"the error body is not UTF-8 JSON ({exc}): {body[:160]!r}")
        return
    error = answer.get("error") if isinstance(answer, dict) else None
    message = error.get("message") if isinstance(error, dict) else None
    if not isinstance(message, str):
        return
    controls = [c for c in message if ord(c) < 0x20 or 0xD800 <= ord(c) <= 0xDFFF]
    expect("error_quotes_bounded", not controls, "a message without control characters or surrogates",
           repr(message[:160]))
    if sent is not None and len(sent) > LIMIT_QUOTED:
        run = sent[: LIMIT_QUOTED + 1]
        expect("error_quotes_bounded", run not in message,
               f"at most {LIMIT_QUOTED} characters of the {len(sent)}-character value quoted",
               f"message of {len(message)} characters quoting more")
