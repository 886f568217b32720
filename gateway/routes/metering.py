"""What a generation delivered, for billing (D-75, D-76): the stream :class:`Meter` the runner feeds as it
writes, and :func:`while_connected`, which runs a non-stream upstream call only while the client is there.

A stream is billed the upstream's usage when it arrived; otherwise (the client left first, or the upstream
never reported usage) an estimate of what was delivered: input ``ceil(chars / 4)`` of the request's text,
output ``ceil(chars / 4)`` of the text, reasoning and tool-argument deltas actually written to the client.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from decimal import Decimal
from typing import TypeVar

from starlette.types import Receive

from gateway.ir import ChatRequest, ReasoningDelta, StreamEvent, TextDelta, ToolArgsDelta, Usage, UsageReport

__all__ = ["CHARS_PER_TOKEN", "Meter", "estimate_tokens", "request_chars", "reservation", "reservation_cost", "tokens_of", "while_connected"]

CHARS_PER_TOKEN = 4
T = TypeVar("T")


def estimate_tokens(chars: int) -> int:
    """``ceil(chars / 4)``."""
    return -(-chars // CHARS_PER_TOKEN)


def request_chars(request: ChatRequest) -> int:
    """Characters of the request's text: every message's content, sent-back reasoning and tool-call arguments."""
    return sum(len(m.content) + len(m.reasoning or "") + sum(len(c.arguments) for c in m.tool_calls)
               for m in request.messages)


def reservation(request: ChatRequest) -> int:
    """The tokens reserved at admission (D-3, D-143): the prompt's estimate plus the output limit the
    request asked for (or the catalog's default), else the model's ``max_output_tokens``."""
    limit = request.max_output_tokens or request.model.public.get("max_output_tokens") or 0
    return estimate_tokens(request_chars(request)) + (limit if isinstance(limit, int) else 0)


def reservation_cost(request: ChatRequest) -> Decimal:
    """The estimated maximum cost held before the upstream call (D-180): the request's prices (and fees) for the
    prompt's estimate as input and the :func:`reservation`'s output limit as output."""
    limit = request.max_output_tokens or request.model.public.get("max_output_tokens") or 0
    usage = Usage(input_tokens=estimate_tokens(request_chars(request)), output_tokens=limit if isinstance(limit, int) else 0)
    return Decimal(request.cost(usage))


def tokens_of(usage: Usage) -> int:
    """What a finished request counts against the token budget: input plus output tokens."""
    return usage.input_tokens + usage.output_tokens


def _text(event: StreamEvent) -> str:
    if isinstance(event, TextDelta | ReasoningDelta):
        return event.text
    if isinstance(event, ToolArgsDelta):
        return event.fragment
    return ""


class Meter:
    """One stream: the upstream's usage once reported, and the characters written to the client."""

    def __init__(self, request: ChatRequest) -> None:
        self.request = request
        self.usage: Usage | None = None
        self.delivered_chars = 0

    def seen(self, event: StreamEvent) -> None:
        """An event from the upstream (its usage is what a finished stream costs)."""
        if isinstance(event, UsageReport):
            self.usage = event.usage

    def delivered(self, event: StreamEvent) -> None:
        """The frames of ``event`` were written to the client."""
        self.delivered_chars += len(_text(event))

    def estimate(self) -> Usage:
        """The usage billed when the upstream's never arrived."""
        return Usage(input_tokens=estimate_tokens(request_chars(self.request)),
                     output_tokens=estimate_tokens(self.delivered_chars))

    def cost(self) -> tuple[Decimal, bool]:
        """USD to bill, and whether it is an estimate."""
        if self.usage is not None:
            return Decimal(self.request.cost(self.usage)), False
        return Decimal(self.request.cost(self.estimate())), True


async def _until_gone(receive: Receive) -> None:
    while (await receive())["type"] != "http.disconnect":
        pass


async def while_connected(receive: Receive, work: Awaitable[T]) -> tuple[T] | None:
    """``(result,)`` of ``work``, or ``None`` when the client disconnected first — ``work`` is then
    cancelled (the upstream call stops) and its outcome dropped."""
    task = asyncio.ensure_future(work)
    watcher = asyncio.ensure_future(_until_gone(receive))
    try:
        await asyncio.wait({task, watcher}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        watcher.cancel()
        gone = watcher.done() and not watcher.cancelled()
        if gone or not task.done():
            task.cancel()
        await asyncio.gather(watcher, task, return_exceptions=True)
    if gone:
        return None
    return (task.result(),)
