"""The OpenAI Chat Completions format: :mod:`.decode` (request → IR) and :mod:`.encode` (IR → JSON / frames)."""

from __future__ import annotations

from typing import Any

from gateway.catalog import Catalog
from gateway.formats.openai_chat.decode import decode_chat
from gateway.formats.openai_chat.encode import ChunkEncoder, encode_result
from gateway.ir import ChatRequest, ChatResult

__all__ = ["CODEC", "OpenAIChatCodec"]


class OpenAIChatCodec:
    def decode(self, raw: bytes, catalog: Catalog) -> ChatRequest:
        return decode_chat(raw, catalog)

    def encode(self, request: ChatRequest, result: ChatResult) -> dict[str, Any]:
        return encode_result(request, result)

    def stream_encoder(self, request: ChatRequest) -> ChunkEncoder:
        return ChunkEncoder(request)


CODEC = OpenAIChatCodec()
