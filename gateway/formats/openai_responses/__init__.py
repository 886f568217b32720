"""The OpenAI Responses format: :mod:`.decode` (request → IR) and :mod:`.encode` (IR → JSON / named event frames)."""

from __future__ import annotations

from typing import Any

from gateway.catalog import Catalog
from gateway.formats.openai_responses.decode import ResponsesRequest, decode_responses
from gateway.formats.openai_responses.encode import EventEncoder, encode_result
from gateway.ir import ChatRequest, ChatResult

__all__ = ["CODEC", "OpenAIResponsesCodec"]


def _own(request: ChatRequest) -> ResponsesRequest:
    assert isinstance(request, ResponsesRequest), "the Responses codec only encodes requests it decoded"
    return request


class OpenAIResponsesCodec:
    def decode(self, raw: bytes, catalog: Catalog) -> ChatRequest:
        return decode_responses(raw, catalog)

    def encode(self, request: ChatRequest, result: ChatResult) -> dict[str, Any]:
        return encode_result(_own(request), result)

    def stream_encoder(self, request: ChatRequest) -> EventEncoder:
        return EventEncoder(_own(request))


CODEC = OpenAIResponsesCodec()
