"""Authentication: ``Authorization: Bearer sk-empiriolabs-…`` or ``x-api-key: sk-empiriolabs-…``.

Routing comes first (D-4, D-12): a path or method the API does not have is answered 404/405 by the
router for anyone, so only requests that match a route are authenticated. ``/healthz``, the signed
media URLs (D-90) and the test-mode ``/__test__/`` control API need no key. When both headers are sent they must carry the same key.
A WebSocket (the run-events channel, D-122) may also offer its key as the subprotocol ``bearer.<key>``
(browsers can set no headers); every source carrying a key must carry the same one, and a refusal is one
``error`` message after the upgrade, then close 4401. No key → 401 ``missing_api_key``; a malformed,
unknown, revoked or expired key (its ``expires_at`` reached on the gateway's clock, D-200) → 401
``invalid_api_key``. The caller's account and key land in
``scope["state"]["auth"]`` for the middleware and routes after this one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from starlette.routing import Match
from starlette.types import ASGIApp, Receive, Scope, Send

from gateway.errors import AuthenticationFailed
from gateway.formats.run_events import BEARER_PREFIX, error_message
from gateway.middleware.errors import refuse_websocket, send_error
from gateway.security import KEY_PREFIX, MAX_KEY_LENGTH, digest, same_digest
from gateway.state import GatewayState, state_of

__all__ = ["PUBLIC_PREFIXES", "UNAUTHENTICATED_CLOSE", "AuthContext", "AuthMiddleware", "authenticate", "presented_key", "routed"]

PUBLIC_PREFIXES = ("/healthz", "/__test__/", "/v1/media/")
_KEY_SHAPE = re.compile(r"[A-Za-z0-9_\-]+")
UNAUTHENTICATED_CLOSE = 4401


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


def _protocol_key(scope: Scope) -> str | None:
    if scope["type"] != "websocket":
        return None
    offered = (p for p in scope.get("subprotocols") or () if p.startswith(BEARER_PREFIX))
    return next((p[len(BEARER_PREFIX):] for p in offered), None)


def presented_key(scope: Scope) -> str:
    """The key the request presents, or raise 401."""
    protocol = _protocol_key(scope)
    try:
        key = _header_key(scope)
    except AuthenticationFailed as error:
        if protocol and error.code == "missing_api_key":
            return protocol
        raise
    if protocol is not None and protocol != key:
        raise AuthenticationFailed("The headers and the bearer subprotocol carry different keys.",
                                   code="invalid_api_key")
    return key


def _header_key(scope: Scope) -> str:
    authorization, api_key = _headers(scope)
    api_key = api_key.strip() if api_key else None
    if authorization is not None and authorization.strip():
        scheme, _, token = authorization.strip().partition(" ")
        if scheme.lower() != "bearer":
            raise AuthenticationFailed("Use 'Authorization: Bearer sk-empiriolabs-...'.", code="invalid_api_key")
        token = token.strip()
        if token:
            if api_key and api_key != token:
                raise AuthenticationFailed(
                    "The Authorization and x-api-key headers carry different keys.", code="invalid_api_key"
                )
            return token
    if api_key:
        return api_key
    raise AuthenticationFailed(
        "No API key provided. Send 'Authorization: Bearer sk-empiriolabs-...' or an 'x-api-key' header.",
        code="missing_api_key",
    )


async def authenticate(scope: Scope, state: GatewayState) -> AuthContext:
    """Resolve the request's key to its account, or raise 401."""
    key = presented_key(scope)
    invalid = AuthenticationFailed("The API key is malformed, revoked, expired or unknown.", code="invalid_api_key")
    if len(key) > MAX_KEY_LENGTH or not key.startswith(KEY_PREFIX) or not _KEY_SHAPE.fullmatch(key):
        raise invalid
    wanted = digest(key, state.store.pepper())
    record = await state.store.find_key(wanted)
    if record is None or not same_digest(record.digest, wanted) or not record.live(state.clock.now()):
        raise invalid
    return AuthContext(account_id=record.account_id, key_id=record.id)


class AuthMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket") or scope["path"].startswith(PUBLIC_PREFIXES) \
                or not routed(scope):
            await self.app(scope, receive, send)
            return
        state = state_of(scope)
        try:
            auth = await authenticate(scope, state)
        except AuthenticationFailed as error:
            if scope["type"] == "websocket":
                message = error_message(error.code, error.message, None, state.clock.now())
                await refuse_websocket(scope, receive, send, message, UNAUTHENTICATED_CLOSE)
            else:
                await send_error(error, scope, receive, send)
            return
        scope.setdefault("state", {})["auth"] = auth
        await self.app(scope, receive, send)


def routed(scope: Scope) -> bool:
    """Whether a route serves this path and method (else the router answers 404/405)."""
    return any(route.matches(scope)[0] == Match.FULL for route in scope["app"].router.routes)

