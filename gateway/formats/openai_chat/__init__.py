"""The OpenAI Chat Completions format: :mod:`.decode` (request → IR) and :mod:`.encode` (IR → JSON / SSE)."""

from __future__ import annotations

from gateway.catalog import Catalog
from gateway.defects import DefectSwitch
from gateway.formats.openai_chat.decode import decode_chat
from gateway.formats.openai_chat.encode import ChunkEncoder, encode_result
from gateway.ir import ChatRequest, ChatResult

__all__ = ["CODEC", "OpenAIChatCodec"]


class OpenAIChatCodec:
    def decode(self, raw: bytes, catalog: Catalog, defects: DefectSwitch) -> ChatRequest:
        return decode_chat(raw, catalog, defects)

    def encode(self, request: ChatRequest, result: ChatResult, defects: DefectSwitch) -> dict[str, object]:
        return encode_result(request, result, defects)

    def stream_encoder(self, request: ChatRequest, defects: DefectSwitch) -> ChunkEncoder:
        return ChunkEncoder(request, defects)


CODEC = OpenAIChatCodec()
