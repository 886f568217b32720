"""Checks of the transport under hostile clients (D-70 … D-73): oversized heads refused, slow heads and
bodies and idle connections cut within a bound, malformed HTTP answered in the envelope or refused, a
hung upstream answered in time; never a 5xx, never held open.

Each check reads a :class:`suites.rawhttp.RawResponse`. The bound is the operator's (``--slow-client-bound``,
``--upstream-timeout``); a deployment may refuse by closing the connection instead of answering, except
where the decision asks for the answer itself.
"""

from __future__ import annotations

from typing import Any

from suites.checks import expect, fail
from suites.contract import Contract
from suites.rawhttp import RawResponse
from suites.rules import register

__all__ = ["bounded", "envelope_for", "in_envelope", "no_5xx", "refused_or_closed"]

register("header_limit_431", "decision:D-70",
         "an oversized request head (8 MiB header, 1 MiB cookie, 10,000 headers) is 431 "
         "request_header_fields_too_large in the envelope with the connection closed, or the connection refused")
register("slow_client_cut", "decision:D-71",
         "a head or body trickled or stopped, or a silent connection, is answered 408 request_timeout in the "
         "envelope and closed, or just closed, within the slow-client bound")
register("keep_alive_bounded", "decision:D-71", "an idle keep-alive connection is closed within the slow-client bound")
register("malformed_http_envelope", "decision:D-73",
         "bytes that are not HTTP/1.1 are 400 malformed_http in the path's envelope and the connection closed, "
         "or the connection just closed")
register("upstream_timeout_bounded", "decision:D-72",
         "an upstream that sends nothing is answered within the upstream timeout: 502 upstream_error before "
         "the answer started, the format's in-band error after")

_ENVELOPES = {"openai": "#/components/schemas/OpenAIError", "anthropic": "#/components/schemas/AnthropicError"}


def envelope_for(path: str) -> str:
    return "anthropic" if path.startswith("/v1/messages") else "openai"


def no_5xx(reply: RawResponse, what: str) -> None:
    """Whatever the deployment made of it, not a server error (rule ``not_a_server_error``)."""
    if reply.status is not None and reply.status >= 500:
        fail("not_a_server_error", f"{what}: {reply.describe()}")


def bounded(rule: str, reply: RawResponse, bound: float, what: str) -> None:
    """An answer or a close within ``bound`` seconds: the connection was not held open."""
    expect(rule, (reply.status is not None or reply.closed) and not reply.timed_out and reply.elapsed <= bound,
           f"{what}: answered or closed within {bound:g} s", reply.describe())


def in_envelope(rule: str, reply: RawResponse, contract: Contract, envelope: str, what: str) -> Any:
    """The answer's body is the error in ``envelope``; the error object (OpenAI) or None."""
    body = reply.json()
    problems = contract.schema_errors(_ENVELOPES[envelope], body) if body is not None else ["not JSON"]
    expect(rule, not problems, f"{what}: the error in the {envelope} envelope",
           f"{reply.header('content-type')} {reply.body[:160]!r}: {problems[:2]}")
    if envelope == "openai" and isinstance(body, dict) and isinstance(body.get("error"), dict):
        return body["error"]
    return None


def refused_or_closed(rule: str, reply: RawResponse, contract: Contract, envelope: str, what: str, *,
                      status: int, code: str) -> None:
    """``status`` with ``code`` in the envelope and the connection closed after it, or no answer and the
    connection closed (refused)."""
    if reply.status is None:
        expect(rule, reply.closed, f"{what}: {status} or the connection closed", reply.describe())
        return
    expect(rule, reply.status == status, f"{what}: {status}", reply.describe())
    error = in_envelope(rule, reply, contract, envelope, what)
    if error is not None:
        expect(rule, error.get("code") == code, f"{what}: code {code!r}", error.get("code"))
    expect(rule, reply.closed, f"{what}: the connection closed after the refusal", reply.describe())
