"""Defects of authentication (``gateway/middleware/auth.py``), as request rewriting in the stack and a
wrapper around the key store.

Header defects rewrite the request before the auth middleware sees it; defects of the verdict answer
in front of it (``guarded`` layers, so a crash is still the gateway's 500); key-record defects wrap
``state.store.find_key``.
"""

from __future__ import annotations

import dataclasses
import json
import re
from typing import Any, cast

from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from gateway.errors import AuthenticationFailed
from gateway.formats.envelopes import render_error
from gateway.middleware.auth import PUBLIC_PREFIXES, authenticate, presented_key, routed
from gateway.middleware.errors import send_error
from gateway.security import KEY_PREFIX, MAX_KEY_LENGTH, digest
from gateway.state import GatewayState, state_of
from gateway.store import AccountStore, ApiKey
from gateway.testing.asgi import Layer, Reply, json_body, layer, replace_headers, rewrite_response
from gateway.testing.registry import ActiveDefects, defect

__all__ = ["install"]

MESSAGES_AUTH_ERROR_OPENAI_ENVELOPE = defect(
    "messages_auth_error_openai_envelope", "401 on /v1/messages is in the Anthropic envelope"
)
BEARER_IGNORED = defect("bearer_ignored", "Authorization: Bearer authenticates")
X_API_KEY_IGNORED = defect("x_api_key_ignored", "the x-api-key header authenticates like a Bearer token")
MISSING_KEY_REPORTED_AS_INVALID = defect(
    "missing_key_reported_as_invalid", "no key at all is 401 missing_api_key, not invalid_api_key"
)
KEY_PREFIX_NOT_CHECKED = defect("key_prefix_not_checked", "a key must carry the sk-empiriolabs- prefix")
CONFLICTING_KEY_HEADERS_ACCEPTED = defect(
    "conflicting_key_headers_accepted", "Authorization and x-api-key carrying different keys is a 401"
)
BEARER_SCHEME_CASE_SENSITIVE = defect(
    "bearer_scheme_case_sensitive", "the Bearer auth scheme is case-insensitive (RFC 9110)"
)
OVERLONG_KEY_CRASHES = defect("overlong_key_crashes", "a malformed key is a 401, never a 5xx")
REVOKED_KEY_ACCEPTED = defect("revoked_key_accepted", "a revoked key is refused")
UNKNOWN_KEY_403 = defect("unknown_key_403", "an unknown key is 401 invalid_api_key")
ONLY_FIRST_KEY_OF_ACCOUNT_WORKS = defect(
    "only_first_key_of_account_works", "every live key of an account authenticates"
)
UNKNOWN_PATH_NEEDS_KEY = defect(
    "unknown_path_needs_key", "an unknown path is 404 for anyone, before authentication"
)

_ANY_PREFIX = re.compile(r"^[^-]*-[^-]*-")
_KEY_SHAPE = re.compile(r"[A-Za-z0-9_\-]+")


def _authenticated(scope: Scope) -> bool:
    """Whether the auth middleware authenticates this request (a route serves it and it is not public)."""
    return scope["type"] == "http" and not scope["path"].startswith(PUBLIC_PREFIXES) and routed(scope)


def _bearer_token(scope: Scope) -> str | None:
    for name, value in scope["headers"]:
        if name == b"authorization":
            scheme, _, token = value.decode("latin-1").strip().partition(" ")
            return token.strip() if scheme.lower() == "bearer" else None
    return None


def _key_or_none(scope: Scope) -> str | None:
    try:
        return presented_key(scope)
    except AuthenticationFailed:
        return None


def _dropping(header: bytes) -> Layer:
    def make(app: ASGIApp) -> ASGIApp:
        async def without_header(scope: Scope, receive: Receive, send: Send) -> None:
            await app(replace_headers(scope, drop=[header]), receive, send)

        return without_header

    return make


layer(X_API_KEY_IGNORED, at="guarded")(_dropping(b"x-api-key"))
layer(BEARER_IGNORED, at="guarded")(_dropping(b"authorization"))


@layer(BEARER_SCHEME_CASE_SENSITIVE, at="guarded")
def _scheme_case_sensitive(app: ASGIApp) -> ASGIApp:
    async def exact_scheme(scope: Scope, receive: Receive, send: Send) -> None:
        headers = []
        for name, value in scope["headers"]:
            scheme, space, token = value.decode("latin-1").strip().partition(" ")
            if name == b"authorization" and scheme.lower() == "bearer" and scheme != "Bearer":
                value = f"Unsupported{space}{token}".encode("latin-1")
            headers.append((name, value))
        await app({**scope, "headers": headers}, receive, send)

    return exact_scheme


@layer(CONFLICTING_KEY_HEADERS_ACCEPTED, at="guarded")
def _conflicts_accepted(app: ASGIApp) -> ASGIApp:
    async def bearer_wins(scope: Scope, receive: Receive, send: Send) -> None:
        await app(
            replace_headers(scope, drop=[b"x-api-key"]) if _bearer_token(scope) else scope, receive, send
        )

    return bearer_wins


@layer(MISSING_KEY_REPORTED_AS_INVALID, at="guarded")
def _missing_as_invalid(app: ASGIApp) -> ASGIApp:
    def relabel(status: int, headers: list[tuple[bytes, bytes]], body: bytes) -> Reply | None:
        payload = json_body(body)
        error = payload.get("error") if isinstance(payload, dict) else None
        if status != 401 or not isinstance(error, dict) or error.get("code") != "missing_api_key":
            return None
        error["code"] = "invalid_api_key"
        return status, headers, json.dumps(payload, ensure_ascii=False).encode()

    async def relabelling(scope: Scope, receive: Receive, send: Send) -> None:
        await rewrite_response(app, scope, receive, send, relabel)

    return relabelling


@layer(OVERLONG_KEY_CRASHES, at="guarded")
def _overlong_crashes(app: ASGIApp) -> ASGIApp:
    async def crashing(scope: Scope, receive: Receive, send: Send) -> None:
        key = _key_or_none(scope) if _authenticated(scope) else None
        if key is not None and len(key) > MAX_KEY_LENGTH:
            raise RuntimeError("key buffer overflow")
        await app(scope, receive, send)

    return crashing


@layer(KEY_PREFIX_NOT_CHECKED, at="guarded")
def _any_prefix(app: ASGIApp) -> ASGIApp:
    async def reprefixed(scope: Scope, receive: Receive, send: Send) -> None:
        headers = []
        for name, value in scope["headers"]:
            text = value.decode("latin-1").strip()
            if name == b"x-api-key":
                text = _ANY_PREFIX.sub(KEY_PREFIX, text, count=1)
            elif name == b"authorization":
                scheme, _, token = text.partition(" ")
                text = f"{scheme} {_ANY_PREFIX.sub(KEY_PREFIX, token.strip(), count=1)}"
            headers.append((name, text.encode("latin-1")))
        await app({**scope, "headers": headers}, receive, send)

    return reprefixed


@layer(UNKNOWN_KEY_403, at="guarded")
def _unknown_forbidden(app: ASGIApp) -> ASGIApp:
    async def forbidding(scope: Scope, receive: Receive, send: Send) -> None:
        key = _key_or_none(scope) if _authenticated(scope) else None
        if (
            key is not None
            and len(key) <= MAX_KEY_LENGTH
            and key.startswith(KEY_PREFIX)
            and _KEY_SHAPE.fullmatch(key)
        ):
            store = state_of(scope).store
            if await store.find_key(digest(key, store.pepper())) is None:
                await send_error(
                    AuthenticationFailed("Forbidden.", code="forbidden", status=403), scope, receive, send
                )
                return
        await app(scope, receive, send)

    return forbidding


@layer(MESSAGES_AUTH_ERROR_OPENAI_ENVELOPE, at="guarded")
def _messages_auth_openai(app: ASGIApp) -> ASGIApp:
    async def openai_envelope(scope: Scope, receive: Receive, send: Send) -> None:
        if _authenticated(scope) and scope["path"].startswith("/v1/messages"):
            try:
                await authenticate(scope, state_of(scope))
            except AuthenticationFailed as error:
                response = Response(
                    render_error(error, "openai"), status_code=401, media_type="application/json"
                )
                await response(scope, receive, send)
                return
        await app(scope, receive, send)

    return openai_envelope


@layer(UNKNOWN_PATH_NEEDS_KEY, at="guarded")
def _unknown_path_needs_key(app: ASGIApp) -> ASGIApp:
    async def key_first(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and not scope["path"].startswith(PUBLIC_PREFIXES) and not routed(scope):
            try:
                await authenticate(scope, state_of(scope))
            except AuthenticationFailed as error:
                await send_error(error, scope, receive, send)
                return
        await app(scope, receive, send)

    return key_first


class _KeyStore:
    """The account store, with the key-record defects applied to ``find_key``."""

    def __init__(self, store: AccountStore, active: ActiveDefects) -> None:
        self._store, self._active = store, active

    def __getattr__(self, name: str) -> Any:
        return getattr(self._store, name)

    async def find_key(self, wanted: str) -> ApiKey | None:
        record = await self._store.find_key(wanted)
        if record is None:
            return None
        if self._active.on(REVOKED_KEY_ACCEPTED.name) and record.revoked_at is not None:
            record = dataclasses.replace(record, revoked_at=None)
        if self._active.on(ONLY_FIRST_KEY_OF_ACCOUNT_WORKS.name):
            live = [k for k in await self._store.list_keys(record.account_id) if k.revoked_at is None]
            if live and live[0].id != record.id:
                return None
        return record


def install(state: GatewayState, active: ActiveDefects) -> None:
    """Wrap the key store (the stack layers are declared above)."""
    state.store = cast(AccountStore, _KeyStore(state.store, active))
