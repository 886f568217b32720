"""Defects of a gateway that behaves like a transparent proxy of its upstreams: the upstream's response
headers copied onto answers, the upstream's base URL named in a header, the upstream's host and request
id in a chat stream's in-band error, and rejections the gateway owes sent on to the upstream first.

The header and forwarding defects are ASGI layers; the stream error is a frame patch of the chat codec
(``state.codecs["openai_chat"]``, wrapped once more by a :class:`~gateway.testing.codec_patches.PatchedCodec`).
"""

from __future__ import annotations

import json
import secrets
from urllib.parse import urlsplit

import aiohttp
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gateway.config import Settings
from gateway.errors import GatewayError
from gateway.formats.frames import DONE, Frame
from gateway.state import GatewayState, state_of
from gateway.testing.asgi import layer
from gateway.testing.codec_patches import Patch, PatchedCodec, StreamPatch
from gateway.testing.registry import ActiveDefects, defect

__all__ = ["install"]

UPSTREAM_HEADERS_FORWARDED = defect(
    "upstream_headers_forwarded",
    "no answer shows the upstream's own response headers (openai-organization, openai-processing-ms, "
    "its request id)",
)
UPSTREAM_BASE_URL_HEADER = defect("upstream_base_url_header", "no response names an upstream's base URL")
CHAT_STREAM_ERROR_LEAKS_UPSTREAM = defect(
    "chat_stream_error_leaks_upstream",
    "a chat stream's in-band error shows nothing of the upstream (host, request id)",
)
REJECTIONS_FORWARDED = defect(
    "rejections_forwarded", "a rejection the gateway owes never reaches an upstream (rejected_by_gateway, D-34)"
)

_GENERATION_PATHS = frozenset({"/v1/chat/completions", "/v1/messages", "/v1/responses"})
_CHAT_FORMAT = "openai_chat"
_OWED = frozenset({400, 404})


def _generation_post(scope: Scope) -> bool:
    return bool(scope["type"] == "http" and scope["method"] == "POST" and scope["path"] in _GENERATION_PATHS)


def _family_url(settings: Settings, path: str) -> str:
    """The configured base URL of the upstream family a request on ``path`` would most likely reach."""
    family = "anthropic" if path.startswith("/v1/messages") else "openai"
    upstream = settings.upstreams.get(family) or next(iter(settings.upstreams.values()))
    return upstream.base_url.rstrip("/")


def _upstream_request_id() -> str:
    return "req_" + secrets.token_hex(16)


@layer(UPSTREAM_HEADERS_FORWARDED)
def _upstream_headers(app: ASGIApp) -> ASGIApp:
    async def copied(scope: Scope, receive: Receive, send: Send) -> None:
        if not _generation_post(scope):
            await app(scope, receive, send)
            return

        async def with_upstream_headers(message: Message) -> None:
            if message["type"] == "http.response.start" and message["status"] == 200:
                upstream = [
                    (b"openai-organization", b"org-mockupstream"),
                    (b"openai-processing-ms", b"412"),
                    (b"openai-version", b"2020-10-01"),
                    (b"x-upstream-request-id", _upstream_request_id().encode()),
                ]
                message = {**message, "headers": [*message.get("headers", []), *upstream]}
            await send(message)

        await app(scope, receive, with_upstream_headers)

    return copied


@layer(UPSTREAM_BASE_URL_HEADER)
def _base_url_header(app: ASGIApp) -> ASGIApp:
    async def named(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await app(scope, receive, send)
            return
        base_url = _family_url(state_of(scope).settings, scope["path"]).encode()

        async def with_base_url(message: Message) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": [*message.get("headers", []), (b"x-upstream-base-url", base_url)]}
            await send(message)

        await app(scope, receive, with_base_url)

    return named


@layer(REJECTIONS_FORWARDED, at="authenticated")
def _rejections_forwarded(app: ASGIApp) -> ASGIApp:
    async def forwarding(scope: Scope, receive: Receive, send: Send) -> None:
        if not _generation_post(scope):
            await app(scope, receive, send)
            return
        body: list[bytes] = []
        held: list[Message] = []

        async def recording_receive() -> Message:
            message = await receive()
            if message["type"] == "http.request":
                body.append(message.get("body", b""))
            return message

        async def holding_send(message: Message) -> None:
            if held or (message["type"] == "http.response.start" and message["status"] in _OWED):
                held.append(message)
                return
            await send(message)

        await app(scope, recording_receive, holding_send)
        if held:
            await _forward(state_of(scope), scope["path"], b"".join(body))
            for message in held:
                await send(message)

    return forwarding


async def _forward(state: GatewayState, path: str, body: bytes) -> None:
    """POST ``body`` to the upstream, as a proxy that lets the upstream judge the request would."""
    url = _family_url(state.settings, path) + path
    try:
        async with state.http.session().post(url, data=body, headers={"content-type": "application/json"}) as reply:
            await reply.read()
    except (aiohttp.ClientError, TimeoutError):
        pass


class _LeakingError(StreamPatch):
    """The in-band error of a chat stream names the upstream's host and its request id."""

    def __init__(self, host: str) -> None:
        self.host = host

    def error(self, error: GatewayError, frames: list[Frame]) -> list[Frame]:
        out = []
        for frame in frames:
            payload = json.loads(frame.data) if isinstance(frame.data, str) and frame != DONE else None
            if isinstance(payload, dict) and isinstance(payload.get("error"), dict):
                message = (f"{payload['error'].get('message', '')} (upstream {self.host}, "
                           f"request id {_upstream_request_id()})")
                payload["error"] = {**payload["error"], "message": message}
                frame = Frame(frame.event, json.dumps(payload))
            out.append(frame)
        return out


def install(state: GatewayState, active: ActiveDefects) -> None:
    """Wrap the chat codec for the stream error's leak (the other patches are layers, declared above)."""
    host = urlsplit(_family_url(state.settings, "/v1/chat/completions")).netloc
    patch = Patch(CHAT_STREAM_ERROR_LEAKS_UPSTREAM, stream=lambda: _LeakingError(host))
    state.codecs[_CHAT_FORMAT] = PatchedCodec(state.codecs[_CHAT_FORMAT], [patch], active)
