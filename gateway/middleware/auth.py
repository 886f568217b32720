"""Authentication: ``Authorization: Bearer sk-empiriolabs-…`` or ``x-api-key: sk-empiriolabs-…``.

Routing comes first (D-4, D-12): a path or method the API does not have is answered 404/405 by the
router for anyone, so only requests that match a route are authenticated. ``/healthz`` and the
test-mode ``/__test__/`` control API need no key. When both headers are sent they must carry the same key. No key → 401 ``missing_api_key``; a malformed,
unknown or revoked key → 401 ``invalid_api_key``. The caller's account and key land in
``scope["state"]["auth"]`` for the middleware and routes after this one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from starlette.routing import Match
from starlette.types import ASGIApp, Receive, Scope, Send

from gateway.errors import AuthenticationFailed
from gateway.formats.envelopes import render_error
from gateway.middleware.errors import send_error
from gateway.security import KEY_PREFIX, MAX_KEY_LENGTH, digest, same_digest
from gateway.state import GatewayState, state_of

__all__ = ["PUBLIC_PREFIXES", "AuthContext", "AuthMiddleware"]

PUBLIC_PREFIXES = ("/healthz", "/__test__/")
_KEY_SHAPE = re.compile(r"[A-Za-z0-9_\-]+")
_ANY_PREFIX = re.compile(r"^[^-]*-[^-]*-")


@dataclass(frozen=True)
class AuthContext:
    account_id: str
    key_id: str


def _headers(scope: Scope) -> tuple[str | None, str | None]:
    authorization = api_key = None
    for name, value in scope["headers"]:
        if name == b"authorization" and authorization is None:
            authorization = value.decode("latin-1")
        elif name == b"x-api-key" and api_key is None:
            api_key = value.decode("latin-1")
    return authorization, api_key


def _presented_key(scope: Scope, state: GatewayState) -> str:
    """The key the request presents, or raise 401."""
    authorization, api_key = _headers(scope)
    if state.defects.on("x_api_key_ignored"):
        api_key = None
    if state.defects.on("bearer_ignored"):
        authorization = None
    api_key = api_key.strip() if api_key else None
    if authorization is not None and authorization.strip():
        scheme, _, token = authorization.strip().partition(" ")
        bearer = scheme == "Bearer" if state.defects.on("bearer_scheme_case_sensitive") else scheme.lower() == "bearer"
        if not bearer:
            raise AuthenticationFailed("Use 'Authorization: Bearer sk-empiriolabs-...'.", code="invalid_api_key")
        token = token.strip()
        if token:
            if api_key and api_key != token and not state.defects.on("conflicting_key_headers_accepted"):
                raise AuthenticationFailed(
                    "The Authorization and x-api-key headers carry different keys.", code="invalid_api_key"
                )
            return token
    if api_key:
        return api_key
    code = "invalid_api_key" if state.defects.on("missing_key_reported_as_invalid") else "missing_api_key"
    raise AuthenticationFailed(
        "No API key provided. Send 'Authorization: Bearer sk-empiriolabs-...' or an 'x-api-key' header.",
        code=code,
    )


def authenticate(scope: Scope, state: GatewayState) -> AuthContext:
    """Resolve the request's key to its account, or raise 401."""
    key = _presented_key(scope, state)
    if len(key) > MAX_KEY_LENGTH and state.defects.on("overlong_key_crashes"):
        raise RuntimeError("key buffer overflow")
    if state.defects.on("key_prefix_not_checked"):
        key = _ANY_PREFIX.sub(KEY_PREFIX, key, count=1)
    invalid = AuthenticationFailed("The API key is malformed, revoked or unknown.", code="invalid_api_key")
    if len(key) > MAX_KEY_LENGTH or not key.startswith(KEY_PREFIX) or not _KEY_SHAPE.fullmatch(key):
        raise invalid
    wanted = digest(key, state.store.pepper())
    record = state.store.find_key(wanted)
    if record is None or not same_digest(record.digest, wanted):
        if state.defects.on("unknown_key_403"):
            raise AuthenticationFailed("Forbidden.", code="forbidden", status=403)
        raise invalid
    if record.revoked_at is not None and not state.defects.on("revoked_key_accepted"):
        raise invalid
    if state.defects.on("only_first_key_of_account_works"):
        live = [k for k in state.store.list_keys(record.account_id) if k.revoked_at is None]
        if live and live[0].id != record.id:
            raise invalid
    return AuthContext(account_id=record.account_id, key_id=record.id)


class AuthMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        routed = _routed(scope) or state_of(scope).defects.on("unknown_path_needs_key")
        if scope["type"] != "http" or scope["path"].startswith(PUBLIC_PREFIXES) or not routed:
            await self.app(scope, receive, send)
            return
        state = state_of(scope)
        try:
            auth = authenticate(scope, state)
        except AuthenticationFailed as error:
            if state.defects.on("messages_auth_error_openai_envelope") and scope["path"].startswith("/v1/messages"):
                await _send_openai_envelope(error, send)
                return
            await send_error(error, scope, receive, send)
            return
        scope.setdefault("state", {})["auth"] = auth
        await self.app(scope, receive, send)


def _routed(scope: Scope) -> bool:
    """Whether a route serves this path and method (else the router answers 404/405)."""
    return any(route.matches(scope)[0] == Match.FULL for route in scope["app"].router.routes)


async def _send_openai_envelope(error: AuthenticationFailed, send: Send) -> None:
    body = render_error(error, "openai")
    await send({"type": "http.response.start", "status": 401, "headers": [(b"content-type", b"application/json")]})
    await send({"type": "http.response.body", "body": body})
