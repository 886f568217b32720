"""What every upstream adapter offers: a whole answer, or a stream of IR events."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Protocol

from gateway.ir import ChatRequest, ChatResult, StreamEvent

__all__ = ["ChatAdapter"]


class ChatAdapter(Protocol):
    async def complete(self, request: ChatRequest) -> ChatResult: ...

    def stream(self, request: ChatRequest) -> AsyncIterator[StreamEvent]: ...
