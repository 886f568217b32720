"""The DeepSeek family: OpenAI-compatible chat completions plus reasoning and context-cache accounting.

Reasoning is on for models whose name contains ``reasoner`` or ``r1``, or when the request sets
``enable_thinking: true`` or ``thinking: {"type": "enabled"}``; ``reasoning_effort: "none"``,
``enable_thinking: false`` or ``thinking: {"type": "disabled"}`` turn it off; ``thinking_budget`` (or
``thinking.budget_tokens``) caps the reasoning tokens. ``max_tokens`` bounds the final answer only.
Cache hits are 0 for conversations of fewer than 3 messages, otherwise the prompt tokens of every message
but the last. ``reasoning_content`` sent back: R1-style models (``reasoner``/``r1``) answer 400 to it on
any input message (seed 004, DeepSeek's R1 guide); in thinking mode the other models need it on every
assistant turn that carried ``tool_calls`` and answer 400 when it is missing (DeepSeek's thinking-mode
guide, "Tool Calls"); elsewhere it is ignored. ``logprobs`` / ``top_logprobs`` while reasoning are a 400.
"""

from __future__ import annotations

from typing import Any, ClassVar

from starlette.requests import Request
from starlette.routing import Route

from mocks.openai import chat_routes
from mocks.openai.dialect import OpenAIDialect, Reasoning
from mocks.openai.request import ChatRequest, message_tokens
from mocks.provider import ApiError, Family

__all__ = ["DeepSeekDialect", "routes"]


def _bad(message: str, param: str) -> ApiError:
    return ApiError(400, message, type="invalid_request_error", param=param, code="invalid_request_error")


class DeepSeekDialect(OpenAIDialect):
    """DeepSeek's reasoning models, cache usage fields and error types."""

    error_types: ClassVar[dict[int, tuple[str, str | None]]] = {
        400: ("invalid_request_error", "invalid_request_error"),
        401: ("authentication_error", "invalid_request_error"),
        402: ("insufficient_balance_error", "insufficient_balance"),
        422: ("invalid_request_error", "invalid_parameters"),
        429: ("rate_limit_error", "rate_limit_reached"),
        500: ("server_error", "server_error"),
        503: ("server_overloaded", "server_overloaded"),
    }

    def authenticate(self, request: Request) -> ApiError | None:
        scheme, _, key = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not key.strip():
            return ApiError(401, "Authentication Fails (auth header format should be Bearer sk-...).",
                            type="authentication_error")
        return None

    def reasoning(self, chat: ChatRequest, body: dict[str, Any]) -> Reasoning | None:
        model = chat.model.lower()
        raw = body.get("thinking")
        thinking: dict[str, Any] = raw if isinstance(raw, dict) else {}
        on = "reasoner" in model or "r1" in model
        if body.get("enable_thinking") is True or thinking.get("type") == "enabled":
            on = True
        if body.get("reasoning_effort") == "none" or body.get("enable_thinking") is False \
                or thinking.get("type") == "disabled":
            on = False
        if not on:
            return None
        budget = body.get("thinking_budget", thinking.get("budget_tokens"))
        return Reasoning(budget if isinstance(budget, int) and not isinstance(budget, bool) and budget > 0
                         else None)

    def validate(self, chat: ChatRequest, body: dict[str, Any]) -> None:
        model = chat.model.lower()
        r1 = "reasoner" in model or "r1" in model
        thinking = self.reasoning(chat, body) is not None
        for i, message in enumerate(chat.messages):
            if r1 and "reasoning_content" in message:
                raise _bad("The reasoning_content field of earlier rounds must not be sent back in input "
                           "messages; remove it before the next request.", f"messages[{i}].reasoning_content")
            if thinking and not r1 and message.get("role") == "assistant" and message.get("tool_calls") \
                    and not isinstance(message.get("reasoning_content"), str):
                raise _bad(f"Missing `reasoning_content` field in the assistant message at message index {i}: "
                           "in thinking mode it must be passed back after tool calls.",
                           f"messages[{i}].reasoning_content")
        if thinking:
            for key in ("logprobs", "top_logprobs"):
                if body.get(key) not in (None, False):
                    raise _bad(f"{key} is not supported by reasoning models.", key)

    def cached_tokens(self, chat: ChatRequest) -> int:
        if len(chat.messages) < 3:
            return 0
        return sum(message_tokens(m) for m in chat.messages[:-1])

    def usage_extra(self, chat: ChatRequest, cached: int) -> dict[str, Any]:
        return {"prompt_cache_hit_tokens": cached, "prompt_cache_miss_tokens": chat.prompt_tokens - cached}


def routes(family: Family) -> list[Route]:
    return chat_routes(family, DeepSeekDialect())
