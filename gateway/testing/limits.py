"""Defects of the rate limits (D-3, D-4, D-139 – D-144): a wrapper of the limiter (``state.limiter``) that
counts per key, in fixed windows, after the response, without reconciling, or with an ``await`` between
decision and record; and layers that strip or reshape the limit headers and the 429."""

from __future__ import annotations

import asyncio
import contextvars
import dataclasses
import json
import math

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gateway.limits.base import Admission, Budget, Usage
from gateway.state import GatewayState
from gateway.testing.asgi import Reply, layer, rewrite_response
from gateway.testing.limiter_layer import LimiterLayer
from gateway.testing.registry import ActiveDefects, defect

__all__ = ["install"]

LIMITS_PER_KEY = defect("limits_per_key", "all keys of an account share one budget")
LIMITS_FIXED_WINDOW = defect("limits_fixed_window", "a rolling window: never more than the limit in any span")
LIMITS_TOKENS_AFTER_RESPONSE = defect(
    "limits_tokens_after_response", "a request's token estimate is reserved at admission, before the upstream")
LIMITS_RESERVE_PROMPT_ONLY = defect(
    "limits_reserve_prompt_only", "the reservation includes the requested output limit")
LIMITS_NEVER_RECONCILED = defect(
    "limits_never_reconciled", "a finished request keeps only the tokens it used")
LIMITS_OVER_ADMIT = defect(
    "limits_over_admit", "simultaneous requests admit exactly the limit (decide and record in one step)")
LIMITS_WINDOW_NEVER_MOVES = defect("limits_window_never_moves", "admission resumes once the window moved")
LIMITS_REMAINING_FROZEN = defect("limits_remaining_frozen", "remaining-requests falls with each admitted request")
LIMITS_NO_HEADERS_ON_STREAMS = defect("limits_no_headers_on_streams", "a stream's 200 head carries x-ratelimit-*")
LIMITS_NO_ANTHROPIC_HEADERS = defect("limits_no_anthropic_headers", "/v1/messages carries anthropic-ratelimit-*")
LIMITS_NO_RETRY_AFTER = defect("limits_no_retry_after", "a 429 carries retry-after")
LIMITS_NO_RETRY_AFTER_MS = defect("limits_no_retry_after_ms", "a 429 carries retry-after-ms")
LIMITS_OPENAI_429_ON_MESSAGES = defect(
    "limits_openai_429_on_messages", "a 429 on /v1/messages is Anthropic's rate_limit_error envelope")

_OVER_ADMIT_PAUSE = 0.05
_KEY_ID: contextvars.ContextVar[str] = contextvars.ContextVar("limits_defect_key_id", default="")


class _Limiter(LimiterLayer):
    """The limiter, miscounting as the defects that are on say."""

    def _on(self, name: str) -> bool:
        return self._active.on(name)

    async def admit(self, key: str, budget: Budget, tokens: int = 0) -> Admission:
        asked = tokens
        if self._on(LIMITS_PER_KEY.name) and _KEY_ID.get():
            key = f"{key}#{_KEY_ID.get()}"
        if self._on(LIMITS_FIXED_WINDOW.name):
            key = f"{key}@{math.floor(asyncio.get_running_loop().time() / budget.window)}"
        if self._on(LIMITS_WINDOW_NEVER_MOVES.name):
            budget = dataclasses.replace(budget, window=budget.window * 1000)
        if self._on(LIMITS_TOKENS_AFTER_RESPONSE.name):
            tokens = 0
        if self._on(LIMITS_RESERVE_PROMPT_ONLY.name):
            tokens = min(tokens, 64)
        if self._on(LIMITS_OVER_ADMIT.name):
            admission = await self._over_admit(key, budget, tokens)
        else:
            admission = await self._limiter.admit(key, budget, tokens)
        if asked != tokens:  # reconciled later as if the estimate had been reserved
            admission = dataclasses.replace(admission, reserved=max(asked, 1))
        if self._on(LIMITS_REMAINING_FROZEN.name):
            admission = dataclasses.replace(admission, usage=dataclasses.replace(
                admission.usage, requests_remaining=admission.usage.budget.requests))
        return admission

    async def _over_admit(self, key: str, budget: Budget, tokens: int) -> Admission:
        """Decide (admit and release), wait, then record against twice the budget, reporting the real one."""
        await self._limiter.release(await self._limiter.admit(key, budget, tokens))
        await asyncio.sleep(_OVER_ADMIT_PAUSE)
        doubled = Budget(2 * budget.requests, 2 * budget.tokens, budget.window)
        admission = await self._limiter.admit(key, doubled, tokens)
        usage = admission.usage
        return dataclasses.replace(admission, usage=dataclasses.replace(
            usage, budget=budget, requests_remaining=max(0, usage.requests_remaining - budget.requests),
            tokens_remaining=max(0, usage.tokens_remaining - budget.tokens)))

    async def reconcile(self, admission: Admission, tokens: int) -> Usage:
        if self._on(LIMITS_NEVER_RECONCILED.name):
            return admission.usage
        return await self._limiter.reconcile(admission, tokens)


@layer(LIMITS_PER_KEY, at="authenticated")
def _key_seen(app: ASGIApp) -> ASGIApp:
    async def noting(scope: Scope, receive: Receive, send: Send) -> None:
        auth = scope.get("state", {}).get("auth")
        token = _KEY_ID.set(auth.key_id if auth is not None else "")
        try:
            await app(scope, receive, send)
        finally:
            _KEY_ID.reset(token)

    return noting


def _dropping(app: ASGIApp, drop: tuple[bytes, ...], *, when: str = "") -> ASGIApp:
    """``app`` with the response headers starting with one of ``drop`` removed (on event streams only,
    ``when="stream"``; on 429s only, ``when="429"``)."""
    async def dropped(scope: Scope, receive: Receive, send: Send) -> None:
        async def sending(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = message.get("headers", [])
                stream = any(k.lower() == b"content-type" and v.startswith(b"text/event-stream") for k, v in headers)
                if (when != "stream" or stream) and (when != "429" or message["status"] == 429):
                    kept = [(k, v) for k, v in headers if not k.lower().startswith(drop)]
                    message = {**message, "headers": kept}
            await send(message)

        await app(scope, receive, sending)

    return dropped


@layer(LIMITS_NO_HEADERS_ON_STREAMS)
def _no_stream_headers(app: ASGIApp) -> ASGIApp:
    return _dropping(app, (b"x-ratelimit-", b"anthropic-ratelimit-"), when="stream")


@layer(LIMITS_NO_ANTHROPIC_HEADERS)
def _no_anthropic_headers(app: ASGIApp) -> ASGIApp:
    return _dropping(app, (b"anthropic-ratelimit-",))


@layer(LIMITS_NO_RETRY_AFTER)
def _no_retry_after(app: ASGIApp) -> ASGIApp:
    return _dropping(app, (b"retry-after",), when="429")


@layer(LIMITS_NO_RETRY_AFTER_MS)
def _no_retry_after_ms(app: ASGIApp) -> ASGIApp:
    return _dropping(app, (b"retry-after-ms",), when="429")


def _openai_429(status: int, headers: list[tuple[bytes, bytes]], body: bytes) -> Reply | None:
    if status != 429:
        return None
    error = {"error": {"message": "Rate limit exceeded.", "type": "rate_limit_error", "param": None,
                       "code": "rate_limit_exceeded"}}
    return status, headers, json.dumps(error).encode()


@layer(LIMITS_OPENAI_429_ON_MESSAGES)
def _openai_envelope(app: ASGIApp) -> ASGIApp:
    async def rewritten(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"] == "/v1/messages":
            await rewrite_response(app, scope, receive, send, _openai_429)
        else:
            await app(scope, receive, send)

    return rewritten


def install(state: GatewayState, active: ActiveDefects) -> None:
    """Wrap the limiter; the layers are declared above."""
    state.limiter = _Limiter(state.limiter, active)
