"""The OpenAI family: ``POST /v1/chat/completions`` (also ``/chat/completions``), streaming or not.

:func:`chat_routes` serves any OpenAI-compatible dialect; :func:`routes` is plain OpenAI.
"""

from __future__ import annotations

from typing import Any

from starlette.routing import Route

from mocks.openai.completion import build_reply, chunk_events, completion_body, error_event
from mocks.openai.dialect import OpenAIDialect
from mocks.openai.request import parse_chat
from mocks.provider import STATUS_MESSAGES, ApiError, Call, Family, dumps, endpoint
from mocks.wire import JSONDelivery, SSEDelivery

__all__ = ["chat_routes", "routes"]


def chat_routes(family: Family, dialect: OpenAIDialect) -> list[Route]:
    """Chat completions for ``family`` speaking ``dialect``."""

    async def handle(call: Call) -> Any:
        chat = parse_chat(call.body)
        call.acknowledge(chat.media)
        dialect.validate(chat, call.body)
        reasoning = dialect.reasoning(chat, call.body)
        user_text, plan = call.plan(chat.user_text)
        if plan.status:
            raise ApiError.injected(plan.status, plan)
        reply = build_reply(chat, user_text, dialect, reasoning)
        if chat.stream:
            failure = f"{STATUS_MESSAGES[500]} {family.bait(call.request_id)}"
            return SSEDelivery(chunk_events(reply, chat.include_usage, plan.chunk), call.headers, plan,
                               error_event(dialect, failure, call.request_id))
        return JSONDelivery(dumps(completion_body(reply)).encode(), 200, call.headers, plan)

    run = endpoint(family, dialect, dialect.authenticate, handle)
    return [Route("/v1/chat/completions", run, methods=["POST"]),
            Route("/chat/completions", run, methods=["POST"])]


def routes(family: Family) -> list[Route]:
    return chat_routes(family, OpenAIDialect())
