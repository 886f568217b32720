"""Defects of the upstream side: the translation of upstream failures (``gateway/upstreams/http.py``)
and the OpenAI-compatible adapters (``gateway/upstreams/openai_compat.py``).

Translation defects replace the shared client's ``error_for`` / ``read_json`` on its instance; adapter
defects wrap each OpenAI-compatible entry of ``state.adapters`` (and of a composite adapter's own
table, such as DeepReasoning's), rewriting the IR request before the upstream call and the IR result or
stream events after it; ``reasoning_forced_on`` wraps every entry of ``state.adapters``. The reasoning
history defects replace the ``body`` builder of each OpenAI-compatible and Anthropic adapter instance,
changing the upstream body it returns.
"""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from typing import Any

import aiohttp

from gateway.errors import AuthenticationFailed, GatewayError, InvalidRequest, ModelUnavailable, UpstreamError
from gateway.ir import (
    ChatRequest,
    ChatResult,
    ReasoningDelta,
    ReasoningOptions,
    StreamEvent,
    Usage,
    UsageReport,
)
from gateway.ir.reasoning import thinking_budget
from gateway.state import GatewayState
from gateway.testing.registry import ActiveDefects, defect
from gateway.upstreams import ChatAdapter
from gateway.upstreams.anthropic import AnthropicAdapter
from gateway.upstreams.http import UpstreamHTTP
from gateway.upstreams.openai_compat import OpenAICompatibleAdapter

__all__ = ["install"]

CHAT_UPSTREAM_HOST_LEAK = defect(
    "chat_upstream_host_leak", "upstream errors never show the provider's host, key or request id"
)
UPSTREAM_AUTH_ERROR_PASSED_THROUGH = defect(
    "upstream_auth_error_passed_through",
    "an upstream 401/402/403 is 502 upstream_error, not the provider's status",
)
CHAT_UPSTREAM_5XX_AS_400 = defect(
    "chat_upstream_5xx_as_400", "an upstream 5xx is 502 upstream_error, not a client error"
)
UPSTREAM_UNAVAILABLE_AS_502 = defect(
    "upstream_unavailable_as_502", "an upstream 503/429 is 503 model_unavailable"
)
UPSTREAM_TIMEOUT_AS_503 = defect(
    "upstream_timeout_as_503", "an upstream that does not answer in time is 502 upstream_error, not 503"
)
MALFORMED_UPSTREAM_PASSED = defect(
    "malformed_upstream_passed", "an unreadable upstream answer is 502, not a broken 200"
)
TOOL_CHOICE_DROPPED = defect("tool_choice_dropped", "tool_choice reaches the model")
REASONING_CONTROLS_IGNORED = defect(
    "reasoning_controls_ignored", "reasoning_effort / enable_thinking / thinking_budget change the reasoning"
)
CHAT_STOP_IGNORED = defect("chat_stop_ignored", "stop sequences end the answer")
REASONING_DROPPED = defect("reasoning_dropped", "a reasoner's chain of thought reaches the client")
REASONING_FORCED_ON = defect(
    "reasoning_forced_on", "a model without capabilities.thinking, not asked to reason, shows no reasoning"
)
REASONING_TO_REFUSER = defect(
    "reasoning_passed_to_refusing_upstream",
    "reasoning sent back by a client is removed before an upstream that refuses it (D-8)",
)
TOOL_TURN_REASONING_DROPPED = defect(
    "tool_turn_reasoning_dropped",
    "a tool-call turn keeps its reasoning_content for a DeepSeek thinking-mode upstream (D-8)",
)
SIGNED_THINKING_NOT_FORWARDED = defect(
    "signed_thinking_not_forwarded",
    "Claude thinking blocks sent back with their signature reach the Anthropic upstream unchanged (D-62)",
)
UNSIGNED_TOOL_TURN_THINKS = defect(
    "unsigned_tool_turn_keeps_thinking",
    "a tool-result continuation without the upstream's signed thinking is sent with thinking off (D-62)",
)
CLAUDE_REASONING_TOKENS_ZERO = defect(
    "claude_reasoning_tokens_zero",
    "a Claude answer with thinking reports its reasoning tokens (an estimate, D-64)",
)
CLAUDE_EFFORT_IGNORED = defect(
    "claude_effort_ignored",
    "reasoning_effort / reasoning.effort switch Anthropic extended thinking on (D-51)",
)

DEFAULTS_NOT_SENT = defect(
    "default_params_not_sent",
    "a model's default_params reach the upstream when the request leaves them out (D-61)",
)

_FORCED_REASONING = "The user asks a question; let me think it through step by step before answering."

_EMPTY_ANSWER: dict[str, Any] = {
    "choices": [{"message": {"content": ""}, "finish_reason": "stop"}],
    "usage": {},
}


def _patch_http(http: UpstreamHTTP, active: ActiveDefects) -> None:
    translate, read_json = http.error_for, http.read_json

    async def error_for(response: aiohttp.ClientResponse) -> GatewayError:
        status = response.status
        if active.on(CHAT_UPSTREAM_HOST_LEAK.name):
            return UpstreamError(f"The model provider returned an error: {(await response.text())[:500]}")
        if status in (401, 402, 403) and active.on(UPSTREAM_AUTH_ERROR_PASSED_THROUGH.name):
            return AuthenticationFailed("The provider rejected the credentials.", status=status)
        if status >= 500 and active.on(CHAT_UPSTREAM_5XX_AS_400.name):
            return InvalidRequest("The model provider rejected the request.", code="upstream_invalid_request")
        if status in (429, 503, 529) and active.on(UPSTREAM_UNAVAILABLE_AS_502.name):
            return UpstreamError("The model provider returned an error.")
        return await translate(response)

    async def lenient_read_json(response: aiohttp.ClientResponse) -> Any:
        try:
            return await read_json(response)
        except ValueError:
            if active.on(MALFORMED_UPSTREAM_PASSED.name):
                return dict(_EMPTY_ANSWER)
            raise

    setattr(http, "error_for", error_for)  # noqa: B010 (an instance patch, test mode only)
    setattr(http, "read_json", lenient_read_json)  # noqa: B010
    _patch_timeouts(http, active)


def _timed_out(error: UpstreamError) -> bool:
    return isinstance(error.__cause__, TimeoutError | aiohttp.ServerTimeoutError)


def _as_unavailable() -> ModelUnavailable:
    return ModelUnavailable("The model did not answer in time. Retry shortly.")


def _patch_timeouts(http: UpstreamHTTP, active: ActiveDefects) -> None:
    """``upstream_timeout_as_503``: the translated timeout of either call becomes a 503."""
    post_json, post_sse = http.post_json, http.post_sse

    async def timed_json(*args: Any, **kwargs: Any) -> dict[str, Any]:
        try:
            return await post_json(*args, **kwargs)
        except UpstreamError as error:
            if _timed_out(error) and active.on(UPSTREAM_TIMEOUT_AS_503.name):
                raise _as_unavailable() from error.__cause__
            raise

    async def timed_sse(*args: Any, **kwargs: Any) -> AsyncIterator[Any]:
        events = post_sse(*args, **kwargs)
        try:
            async for event in events:
                yield event
        except UpstreamError as error:
            if _timed_out(error) and active.on(UPSTREAM_TIMEOUT_AS_503.name):
                raise _as_unavailable() from error.__cause__
            raise
        finally:
            close = getattr(events, "aclose", None)
            if close is not None:
                await close()

    setattr(http, "post_json", timed_json)  # noqa: B010
    setattr(http, "post_sse", timed_sse)  # noqa: B010


def _reasoned(request: ChatRequest) -> list[str | None]:
    return [m.reasoning for m in request.messages if m.role == "assistant"]


def _patch_body(adapter: OpenAICompatibleAdapter | AnthropicAdapter, active: ActiveDefects) -> None:
    """Every assistant turn gets its reasoning (``reasoning_passed_to_refusing_upstream``: as
    ``reasoning_content``, or a ``thinking`` block with the gateway's own signature for Anthropic), or
    none keeps it (``tool_turn_reasoning_dropped``); an Anthropic body is built as if no effort had been
    asked (``claude_effort_ignored``)."""
    build = adapter.body
    anthropic = isinstance(adapter, AnthropicAdapter)

    def body(request: ChatRequest, *, stream: bool) -> dict[str, Any]:
        if anthropic and active.on(CLAUDE_EFFORT_IGNORED.name):
            request = dataclasses.replace(request, reasoning=dataclasses.replace(request.reasoning, effort=None))
        out = build(request, stream=stream)
        turns = [m for m in out["messages"] if m.get("role") == "assistant"]
        if active.on(REASONING_TO_REFUSER.name):
            for turn, reasoning in zip(turns, (r for r in _reasoned(request) if r), strict=False):
                if anthropic:
                    turn["content"].insert(0, {"type": "thinking", "thinking": reasoning, "signature": "gateway"})
                else:
                    turn["reasoning_content"] = reasoning
        if active.on(TOOL_TURN_REASONING_DROPPED.name) and not anthropic:
            for turn in turns:
                turn.pop("reasoning_content", None)
        if anthropic and active.on(SIGNED_THINKING_NOT_FORWARDED.name):
            for turn in turns:
                turn["content"] = [b for b in turn["content"] if b.get("type") != "thinking"] or turn["content"]
        if anthropic and active.on(UNSIGNED_TOOL_TURN_THINKS.name) and "thinking" not in out:
            budget = thinking_budget(request.reasoning, out["max_tokens"])
            if budget is not None:
                out["thinking"] = {"type": "enabled", "budget_tokens": budget}
                out["max_tokens"] = max(out["max_tokens"], budget + 1)
        return out

    setattr(adapter, "body", body)  # noqa: B010 (an instance patch, test mode only)


class _OpenAICompatible:
    """An OpenAI-compatible adapter with the request and result defects applied around it."""

    def __init__(self, inner: OpenAICompatibleAdapter, active: ActiveDefects) -> None:
        self._inner, self._active = inner, active

    def _request(self, request: ChatRequest) -> ChatRequest:
        on = self._active.on
        if on(TOOL_CHOICE_DROPPED.name):
            request = dataclasses.replace(request, tool_choice=None)
        if on(REASONING_CONTROLS_IGNORED.name) and self._inner.dialect.reasoning_controls:
            request = dataclasses.replace(
                request, reasoning=ReasoningOptions(exclude=request.reasoning.exclude)
            )
        if on(CHAT_STOP_IGNORED.name):
            request = dataclasses.replace(request, stop=[])
        return request

    async def complete(self, request: ChatRequest) -> ChatResult:
        result = await self._inner.complete(self._request(request))
        return (
            dataclasses.replace(result, reasoning=None) if self._active.on(REASONING_DROPPED.name) else result
        )

    async def stream(self, request: ChatRequest) -> AsyncIterator[StreamEvent]:
        events = self._inner.stream(self._request(request))
        try:
            async for event in events:
                if not (isinstance(event, ReasoningDelta) and self._active.on(REASONING_DROPPED.name)):
                    yield event
        finally:
            close = getattr(events, "aclose", None)
            if close is not None:
                await close()


class _ForcedReasoning:
    """Any adapter whose plain models, not asked to reason, reason anyway (at the adapter seam)."""

    def __init__(self, inner: ChatAdapter, active: ActiveDefects) -> None:
        self._inner, self._active = inner, active

    def _forced(self, request: ChatRequest) -> bool:
        asked = request.reasoning.enabled or request.reasoning.effort or request.reasoning.budget_tokens
        thinks = bool((request.model.public.get("capabilities") or {}).get("thinking"))
        return self._active.on(REASONING_FORCED_ON.name) and not asked and not thinks

    async def complete(self, request: ChatRequest) -> ChatResult:
        result = await self._inner.complete(request)
        if self._forced(request) and not result.reasoning:
            return dataclasses.replace(result, reasoning=_FORCED_REASONING)
        return result

    async def stream(self, request: ChatRequest) -> AsyncIterator[StreamEvent]:
        if self._forced(request):
            yield ReasoningDelta(_FORCED_REASONING)
        events = self._inner.stream(request)
        try:
            async for event in events:
                yield event
        finally:
            close = getattr(events, "aclose", None)
            if close is not None:
                await close()


class _ReasoningUncounted:
    """The Anthropic adapter with its reasoning-token estimate taken out again (reported as 0)."""

    def __init__(self, inner: ChatAdapter, active: ActiveDefects) -> None:
        self._inner, self._active = inner, active

    def _zeroed(self, usage: Usage) -> Usage:
        on = self._active.on(CLAUDE_REASONING_TOKENS_ZERO.name)
        return dataclasses.replace(usage, reasoning_tokens=0) if on else usage

    async def complete(self, request: ChatRequest) -> ChatResult:
        result = await self._inner.complete(request)
        return dataclasses.replace(result, usage=self._zeroed(result.usage))

    async def stream(self, request: ChatRequest) -> AsyncIterator[StreamEvent]:
        events = self._inner.stream(request)
        try:
            async for event in events:
                yield UsageReport(self._zeroed(event.usage)) if isinstance(event, UsageReport) else event
        finally:
            close = getattr(events, "aclose", None)
            if close is not None:
                await close()


class _DefaultsUnsent:
    """Any adapter called as if the model's documented defaults had not been filled in: a setting equal
    to its default, and the reasoning controls when they are the defaults', are taken out again."""

    def __init__(self, inner: ChatAdapter, active: ActiveDefects) -> None:
        self._inner, self._active = inner, active

    def _request(self, request: ChatRequest) -> ChatRequest:
        defaults = request.model.public.get("default_params") or {}
        if not defaults or not self._active.on(DEFAULTS_NOT_SENT.name):
            return request
        changes: dict[str, Any] = {name: None for name in ("temperature", "top_p")
                                   if getattr(request, name) is not None and getattr(request, name) == defaults.get(name)}
        if request.max_output_tokens is not None and request.max_output_tokens in (
                defaults.get("max_tokens"), defaults.get("max_completion_tokens")):
            changes["max_output_tokens"] = None
        r = request.reasoning
        if (r.enabled, r.effort, r.budget_tokens) == (defaults.get("enable_thinking"), defaults.get("reasoning_effort"),
                                                      defaults.get("thinking_budget")):
            changes["reasoning"] = ReasoningOptions(exclude=r.exclude)
        return dataclasses.replace(request, **changes)

    async def complete(self, request: ChatRequest) -> ChatResult:
        return await self._inner.complete(self._request(request))

    async def stream(self, request: ChatRequest) -> AsyncIterator[StreamEvent]:
        events = self._inner.stream(self._request(request))
        try:
            async for event in events:
                yield event
        finally:
            close = getattr(events, "aclose", None)
            if close is not None:
                await close()


def _wrapped(table: dict[str, ChatAdapter], active: ActiveDefects) -> None:
    for adapter in table.values():
        if isinstance(adapter, OpenAICompatibleAdapter | AnthropicAdapter) and not hasattr(adapter, "_patched"):
            _patch_body(adapter, active)
            setattr(adapter, "_patched", True)  # noqa: B010
    for family, adapter in table.items():
        if isinstance(adapter, OpenAICompatibleAdapter):
            table[family] = _OpenAICompatible(adapter, active)


def install(state: GatewayState, active: ActiveDefects) -> None:
    """Patch the shared upstream client and wrap the OpenAI-compatible adapters."""
    _patch_http(state.http, active)
    for adapter in list(state.adapters.values()):
        inner = getattr(adapter, "adapters", None)
        if isinstance(inner, dict):
            _wrapped(inner, active)
    _wrapped(state.adapters, active)
    for family, adapter in list(state.adapters.items()):
        if isinstance(adapter, AnthropicAdapter):
            adapter = _ReasoningUncounted(adapter, active)
        state.adapters[family] = _DefaultsUnsent(_ForcedReasoning(adapter, active), active)
