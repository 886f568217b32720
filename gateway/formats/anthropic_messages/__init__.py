"""The Anthropic Messages format: :mod:`.decode` (request → IR) and :mod:`.encode` (IR → message / events)."""

from __future__ import annotations

from typing import Any

from gateway.catalog import Catalog
from gateway.defects import DefectSwitch
from gateway.formats.anthropic_messages.decode import decode_messages
from gateway.formats.anthropic_messages.encode import EventEncoder, encode_message
from gateway.ir import ChatRequest, ChatResult

__all__ = ["CODEC", "AnthropicMessagesCodec"]


class AnthropicMessagesCodec:
    def decode(self, raw: bytes, catalog: Catalog, defects: DefectSwitch) -> ChatRequest:
        return decode_messages(raw, catalog, defects)

    def encode(self, request: ChatRequest, result: ChatResult, defects: DefectSwitch) -> dict[str, Any]:
        return encode_message(request, result, defects)

    def stream_encoder(self, request: ChatRequest, defects: DefectSwitch) -> EventEncoder:
        return EventEncoder(request, defects)


CODEC = AnthropicMessagesCodec()
