"""The OpenAI embeddings format: ``POST /v1/embeddings`` bytes → :class:`EmbeddingRequest`, and an
:class:`EmbeddingResult` → the answer's JSON (D-78 – D-80).

Decoding holds the body to the spec's ``EmbeddingRequest``, resolves the model on the endpoint (D-47) and
checks the values against the model's ``supported_parameters`` (``dimensions`` within its declared range,
D-79). Encoding numbers the vectors in input order and packs them as base64 float32 when asked (D-80).
"""

from __future__ import annotations

import base64
import struct
from typing import Any, Protocol

from gateway.catalog import Catalog
from gateway.formats.json_body import parse_json
from gateway.formats.parameters import check_parameters, resolve_model
from gateway.ir.embeddings import EmbeddingRequest, EmbeddingResult
from gateway.money import cost_number
from gateway.schemas import request_schema

__all__ = ["ENDPOINT", "EmbeddingCodec", "OpenAIEmbeddings", "base64_floats"]

ENDPOINT = "/v1/embeddings"
_OWN = frozenset({"model", "input"})


class EmbeddingCodec(Protocol):
    def decode(self, raw: bytes, catalog: Catalog) -> EmbeddingRequest: ...

    def encode(self, request: EmbeddingRequest, result: EmbeddingResult) -> dict[str, Any]: ...


def base64_floats(values: tuple[float, ...]) -> str:
    """``values`` as little-endian float32, base64-encoded (OpenAI's ``encoding_format: base64``)."""
    return base64.b64encode(struct.pack(f"<{len(values)}f", *values)).decode("ascii")


class OpenAIEmbeddings:
    """The codec of ``/v1/embeddings``."""

    def decode(self, raw: bytes, catalog: Catalog) -> EmbeddingRequest:
        body = parse_json(raw)
        request_schema("EmbeddingRequest").check(body)
        model = resolve_model(catalog.get, body["model"], ENDPOINT)
        check_parameters(model, body, skip=_OWN)
        value = body["input"]
        return EmbeddingRequest(model=model, inputs=(value,) if isinstance(value, str) else tuple(value),
                                encoding=body.get("encoding_format") or "float", dimensions=body.get("dimensions"))

    def encode(self, request: EmbeddingRequest, result: EmbeddingResult) -> dict[str, Any]:
        data = [{"object": "embedding", "index": i,
                 "embedding": base64_floats(v) if request.encoding == "base64" else list(v)}
                for i, v in enumerate(result.vectors)]
        tokens = result.prompt_tokens
        usage = {"prompt_tokens": tokens, "total_tokens": tokens, "cost": cost_number(request.cost(tokens))}
        return {"object": "list", "data": data, "model": request.model.id, "usage": usage}
