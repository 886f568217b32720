"""Error cases the Messages and Responses suites share: how to provoke each documented error status, how
to send a case (plain and with ``stream: true``), and the malformed bodies an endpoint must refuse with a
4xx while staying usable. Which envelope, type and code an error must carry stays with each format's
suite, which passes it in as an ``envelope`` check.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from suites.checks import chat as leaks
from suites.checks import errors, expect, require
from suites.client import ApiClient
from suites.contract import Contract
from suites.plugin import Target
from suites.recorder import Recorder
from suites.transport import ContractTransport
from suites.upstreams import not_forwarded

__all__ = [
    "NOT_JSON",
    "ErrorCase",
    "Variants",
    "check_error_case",
    "check_malformed",
    "fault",
    "internal_error",
    "missing_key",
    "oversized",
    "raw",
    "unknown_key",
    "unknown_model",
    "with_key",
    "without",
]

Build = Callable[[dict[str, Any], Any], dict[str, Any]]
"""(a valid body, the value of the case's fixture) → ``body`` and the other keywords of the request."""
Prompt = Callable[[str], dict[str, Any]]
"""A user text → the body fields that carry it in one format (``messages`` or ``input``)."""
Create = Callable[..., httpx.Response]
Envelope = Callable[[httpx.Response], object]
Malformed = Callable[[str], Any]
"""A model id → a body: a dict sent as JSON, bytes sent as they are, or (bytes, content type)."""


@dataclass(frozen=True)
class ErrorCase:
    """One documented error and how to provoke it; ``code``, ``type`` and ``param`` are what the error
    must say, for formats whose envelope names them."""

    status: int
    fixture: str | None  # a fixture the case needs (it skips when the deployment cannot provide it)
    build: Build
    stream_too: bool = True  # also send it with stream: true (an error before the stream is the same JSON)
    code: str | None = None
    type: str | None = None
    param: str | None = None
    decision: str | None = None  # the decision rule that sets this case's status (skipped under documented)

    def fixture_value(self, request: pytest.FixtureRequest) -> Any:
        return request.getfixturevalue(self.fixture) if self.fixture else None


def raw(data: bytes) -> Build:
    return lambda body, _: {"body": data}


def without(field: str) -> Build:
    return lambda body, _: {"body": {k: v for k, v in body.items() if k != field}}


def unknown_key(body: dict[str, Any], _: Any) -> dict[str, Any]:
    return {"body": body, "key": "sk-empiriolabs-" + secrets.token_urlsafe(32)}


def missing_key(body: dict[str, Any], _: Any) -> dict[str, Any]:
    return {"body": body, "auth": "none"}


def unknown_model(body: dict[str, Any], _: Any) -> dict[str, Any]:
    return {"body": {**body, "model": f"no-such-model-{secrets.token_hex(4)}"}}


def with_key(body: dict[str, Any], key: Any) -> dict[str, Any]:
    return {"body": body, "key": key}


def internal_error(body: dict[str, Any], _: Any) -> dict[str, Any]:
    return {"body": body, "headers": {"x-empirio-test": "internal-error"}}


def fault(name: str, prompt: Prompt) -> Build:
    """A request asking the mock upstream for the fault ``name`` (``[[mock:fault=...]]``)."""
    return lambda body, _: {"body": {**body, **prompt(f"[[mock:fault={name}]] Say hello.")}}


def oversized(prompt: Prompt) -> Build:
    """A body 1 MiB over the contract's ``json_body_max_bytes``, sent as bytes (needs the ``contract``)."""
    def build(body: dict[str, Any], contract: Contract) -> dict[str, Any]:
        limit = int(contract.spec.get("x-empiriolabs-limits", {}).get("json_body_max_bytes", 20 * 1024 * 1024))
        return {"body": json.dumps({**body, **prompt("a" * (limit + 1024 * 1024))}).encode()}
    return build


def _send(client: ApiClient, create: Create, kwargs: dict[str, Any], stream: bool) -> httpx.Response:
    body = kwargs["body"]
    if stream:
        body = {**body, "stream": True}
    return create(client, body, retry_429=False, **{k: v for k, v in kwargs.items() if k != "body"})


def check_error_case(case: ErrorCase, kwargs: dict[str, Any], create: Create, envelope: Envelope, *,
                     api: ApiClient, target: Target, contract: Contract, recorder: Recorder) -> None:
    """Send ``kwargs`` plain and (unless the case says not) with ``stream: true``: each answer passes
    ``envelope`` and leaks nothing of the upstream; a 429 says when to retry; a 4xx the gateway owes (any
    but an upstream fault's) never reached an upstream. A 500 case goes over its own connection pool,
    since a crashing route may drop the connection."""
    if case.decision:
        require(case.decision)
    client, own = api, None
    if case.status == 500:
        own = ContractTransport(contract, recorder)
        client = ApiClient(target.base_url, target.api_key, own)
    try:
        for stream in ([False, True] if case.stream_too else [False]):
            response = _send(client, create, kwargs, stream)
            if case.status == 429 and response.status_code == 200:  # 1 request per minute: the first may pass
                response = _send(client, create, kwargs, stream)
            label = "stream: true" if stream else "non-stream"
            try:
                envelope(response)
            except AssertionError as exc:
                raise AssertionError(f"{label}: {exc}") from None
            if 400 <= case.status < 500 and case.fixture != "mock_upstreams":
                not_forwarded(response, f"{label}: a {case.status} the gateway owes")
            leaks.no_leaks(response.content)
            leaks.no_leaks(response.headers)
            if case.status == 429:
                retry_after = response.headers.get("retry-after", "")
                expect("rate_limit_retry_after", retry_after.isdigit() and int(retry_after) > 0,
                       "a 429 with retry-after in seconds", retry_after)
    finally:
        if own is not None:
            client.close()


NOT_JSON: dict[str, Malformed] = {
    "body-not-json": lambda m: b"{this is not json",
    "body-empty": lambda m: b"",
    "body-json-array": lambda m: b"[1, 2, 3]",
}


@dataclass(frozen=True)
class Variants:
    """Malformed variations of one valid request body, ``valid(model_id)``."""

    valid: Callable[[str], dict[str, Any]]

    def with_(self, **fields: Any) -> Malformed:
        return lambda m: {**self.valid(m), **fields}

    def without(self, key: str) -> Malformed:
        return lambda m: {k: v for k, v in self.valid(m).items() if k != key}

    def as_text_plain(self) -> Malformed:
        return lambda m: (json.dumps(self.valid(m)).encode(), "text/plain")


def check_malformed(api: ApiClient, create: Create, case: str, body: Any, valid: dict[str, Any],
                    envelope: Envelope) -> None:
    """``body`` is refused with a 4xx that passes ``envelope``, leaks nothing and never reached an upstream,
    and a ``valid`` request right after it still succeeds."""
    if isinstance(body, tuple):  # (bytes, content type)
        response = create(api, body[0], headers={"content-type": body[1]})
    else:
        response = create(api, body)
    errors.no_server_error(response)
    expect("malformed_request_4xx", 400 <= response.status_code < 500, f"{case}: a 4xx",
           f"{response.status_code}: {response.text[:200]}")
    envelope(response)
    not_forwarded(response, f"{case}: a rejection the gateway owes")
    leaks.no_leaks(response.content)
    after = create(api, valid)
    expect("valid_request_200", after.status_code == 200, "200 for a valid request right after the malformed one",
           f"{after.status_code}: {after.text[:200]}")
