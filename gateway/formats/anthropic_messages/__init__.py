"""The Anthropic Messages format: :mod:`.decode` (request → IR) and :mod:`.encode` (IR → message / event frames)."""

from __future__ import annotations

from typing import Any

from gateway.catalog import Catalog
from gateway.formats.anthropic_messages.decode import decode_messages
from gateway.formats.anthropic_messages.encode import EventEncoder, encode_message
from gateway.ir import ChatRequest, ChatResult

__all__ = ["CODEC", "AnthropicMessagesCodec"]


class AnthropicMessagesCodec:
    def decode(self, raw: bytes, catalog: Catalog) -> ChatRequest:
        return decode_messages(raw, catalog)

    def encode(self, request: ChatRequest, result: ChatResult) -> dict[str, Any]:
        return encode_message(request, result)

    def stream_encoder(self, request: ChatRequest) -> EventEncoder:
        return EventEncoder(request)


CODEC = AnthropicMessagesCodec()
