"""Defects of what a well-formed field means: timestamps in milliseconds, unavailable models served,
a reasoning-off control dropped. Each body still validates against the contract, so only the checks of
the meaning (``created_unix_seconds``, D-15's 404 for ``available: false``, ``reasoning_off_no_reasoning``)
can catch them.

Seams: the codecs of the three formats (``state.codecs``: the IR request after decoding, the response
body, the stream frames; the catalog a decoder resolves the model in) and, for ``/v1/models``, a layer
in front of the router rewriting the catalog JSON.
"""

from __future__ import annotations

import dataclasses
import json
from typing import Any

from starlette.types import ASGIApp, Receive, Scope, Send

from gateway.catalog import Catalog
from gateway.errors import InvalidRequest, ModelUnavailable
from gateway.formats.codec import Codec, StreamEncoder
from gateway.formats.frames import Frame
from gateway.ir import ChatRequest, ChatResult
from gateway.ir.chat import ReasoningOptions
from gateway.middleware.errors import send_error
from gateway.state import GatewayState, state_of
from gateway.testing.asgi import Reply, json_body, layer, rewrite_response
from gateway.testing.codec_patches import Patch, PatchedCodec, data_of, map_frames
from gateway.testing.registry import ActiveDefects, Defect, defect

__all__ = ["install"]

PORTABLE_REFUSED = defect(
    "portable_reasoning_refused",
    "reasoning / thinking are accepted on a model that lists its family's equivalent controls (D-63)",
)
BUDGET_DROPPED = defect(
    "reasoning_budget_dropped_silently",
    "a reasoning budget (reasoning.max_tokens, thinking.budget_tokens) a model cannot honour is a 400 naming it "
    "(D-63), not dropped",
)

CREATED_IN_MILLISECONDS = defect(
    "created_in_milliseconds",
    "created / created_at (chat completions and chunks, Responses, /v1/models entries) are Unix seconds",
)
UNAVAILABLE_MODEL_SERVED = defect(
    "unavailable_model_served", "a generation request naming a model with available: false is 404 (D-15)",
)
REASONING_OFF_IGNORED = defect(
    "reasoning_off_ignored", "a control switching reasoning off reaches the upstream (the model shows none)",
)

_CHAT, _MESSAGES, _RESPONSES = "openai_chat", "anthropic_messages", "openai_responses"
_MODELS = "/v1/models"


# -- created in milliseconds ------------------------------------------------------------------------------

def _ms(value: Any) -> Any:
    return value * 1000 if isinstance(value, int) and not isinstance(value, bool) else value


def _stamped(body: dict[str, Any], key: str) -> dict[str, Any]:
    return {**body, key: _ms(body[key])} if key in body else body


def _chat_body(body: dict[str, Any]) -> dict[str, Any]:
    return _stamped(body, "created")


def _chat_frame(frame: Frame) -> Frame:
    if not isinstance(frame.data, dict) or "created" not in frame.data:
        return frame
    return dataclasses.replace(frame, data=_stamped(data_of(frame), "created"))


def _responses_body(body: dict[str, Any]) -> dict[str, Any]:
    return _stamped(body, "created_at")


def _responses_frame(frame: Frame) -> Frame:
    if not isinstance(frame.data, dict) or not isinstance(frame.data.get("response"), dict):
        return frame
    data = data_of(frame)
    data["response"] = _stamped(data["response"], "created_at")
    return dataclasses.replace(frame, data=data)


def _models_in_ms(body: Any) -> Any:
    if isinstance(body, dict) and isinstance(body.get("data"), list):
        return {**body, "data": [_stamped(m, "created") if isinstance(m, dict) else m for m in body["data"]]}
    return _stamped(body, "created") if isinstance(body, dict) else body


@layer(CREATED_IN_MILLISECONDS, at="authenticated")
def _models_created_in_ms(app: ASGIApp) -> ASGIApp:
    def rewrite(status: int, headers: list[tuple[bytes, bytes]], body: bytes) -> Reply | None:
        parsed = json_body(body)
        return (status, headers, json.dumps(_models_in_ms(parsed)).encode()) if status == 200 else None

    async def rewritten(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "GET" and scope["path"].startswith(_MODELS):
            await rewrite_response(app, scope, receive, send, rewrite)
        else:
            await app(scope, receive, send)

    return rewritten


# -- reasoning off ignored ----------------------------------------------------------------------------------

def _off_dropped(raw: bytes, request: ChatRequest) -> ChatRequest:
    if request.reasoning.enabled is False or request.reasoning.effort == "none":
        return dataclasses.replace(request, reasoning=ReasoningOptions())
    return request


# -- unavailable model served -------------------------------------------------------------------------------

class _ServingUnavailable:
    """``inner``, decoding against a catalog in which every model is available while the defect is on."""

    def __init__(self, inner: Codec, active: ActiveDefects, flag: Defect) -> None:
        self.inner, self.active, self.flag = inner, active, flag

    def decode(self, raw: bytes, catalog: Catalog) -> ChatRequest:
        if self.active.on(self.flag.name):
            models = {k: dataclasses.replace(m, public={**m.public, "available": True})
                      for k, m in catalog.models.items()}
            catalog = dataclasses.replace(catalog, models=models)
        return self.inner.decode(raw, catalog)

    def encode(self, request: ChatRequest, result: ChatResult) -> dict[str, Any]:
        return self.inner.encode(request, result)

    def stream_encoder(self, request: ChatRequest) -> StreamEncoder:
        return self.inner.stream_encoder(request)


_PENDING = frozenset({"/v1/search"})


@layer(UNAVAILABLE_MODEL_SERVED, at="authenticated")
def _unavailable_as_offline(app: ASGIApp) -> ASGIApp:
    """On ``/v1/search``, a model with ``available: false`` answered 503 as if offline (the
    availability check skipped), the rest passed on with the body replayed."""

    async def offline(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST" or scope["path"] not in _PENDING:
            await app(scope, receive, send)
            return
        chunks, more = [], True
        while more:
            message = await receive()
            chunks.append(message.get("body", b""))
            more = bool(message.get("more_body"))
        raw = b"".join(chunks)
        body = json_body(raw)
        named = state_of(scope).catalog.get(body["model"]) if isinstance(body, dict) and isinstance(
            body.get("model"), str) else None
        if named is not None and not named.available:
            await send_error(ModelUnavailable("The model is temporarily unavailable. Retry shortly."),
                             scope, receive, send)
            return
        replayed = False

        async def replay() -> dict[str, Any]:
            nonlocal replayed
            if replayed:
                return dict(await receive())
            replayed = True
            return {"type": "http.request", "body": raw, "more_body": False}

        await app(scope, replay, send)

    return offline


def _portable_refused(raw: bytes, request: ChatRequest) -> ChatRequest:
    """A portable control the model does not list by name is refused, as before D-63."""
    body = json_body(raw)
    for name in ("reasoning", "thinking"):
        if isinstance(body, dict) and body.get(name) and name not in request.model.parameters:
            raise InvalidRequest(f"The model '{request.model.id}' does not support '{name}'.",
                                 code="unsupported_parameter", param=name)
    return request


def _budget_dropped(raw: bytes) -> bytes:
    """``reasoning.max_tokens`` taken out, and a ``thinking`` with a budget dropped whole (its schema needs the
    budget), before the decoder sees them."""
    body = json_body(raw)
    if not isinstance(body, dict):
        return raw
    if isinstance(body.get("reasoning"), dict) and "max_tokens" in body["reasoning"]:
        body["reasoning"] = {k: v for k, v in body["reasoning"].items() if k != "max_tokens"} or None
    if isinstance(body.get("thinking"), dict) and "budget_tokens" in body["thinking"]:
        del body["thinking"]
    return json.dumps(body).encode()


_PATCHES: dict[str, list[Patch]] = {
    _CHAT: [Patch(CREATED_IN_MILLISECONDS, body=_chat_body, stream=map_frames(_chat_frame)),
            Patch(REASONING_OFF_IGNORED, request=_off_dropped), Patch(BUDGET_DROPPED, raw=_budget_dropped),
            Patch(PORTABLE_REFUSED, request=_portable_refused)],
    _MESSAGES: [Patch(REASONING_OFF_IGNORED, request=_off_dropped), Patch(BUDGET_DROPPED, raw=_budget_dropped),
            Patch(PORTABLE_REFUSED, request=_portable_refused)],
    _RESPONSES: [Patch(CREATED_IN_MILLISECONDS, body=_responses_body, stream=map_frames(_responses_frame)),
                 Patch(REASONING_OFF_IGNORED, request=_off_dropped), Patch(BUDGET_DROPPED, raw=_budget_dropped),
            Patch(PORTABLE_REFUSED, request=_portable_refused)],
}


def install(state: GatewayState, active: ActiveDefects) -> None:
    """Wrap each format's codec with this area's patches (the models layer is in the stack)."""
    for name, patches in _PATCHES.items():
        codec = PatchedCodec(state.codecs[name], patches, active)
        state.codecs[name] = _ServingUnavailable(codec, active, UNAVAILABLE_MODEL_SERVED)
