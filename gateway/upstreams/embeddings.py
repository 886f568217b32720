"""The embeddings family's adapter: an OpenAI-style ``POST /v1/embeddings`` upstream (D-78 – D-80).

Floats are always asked for (the gateway encodes base64 itself, D-80); the answer's items are put in
input order by their ``index`` and held to one vector per input of the expected dimension, else 502.
"""

from __future__ import annotations

from typing import Any, Protocol

from gateway.config import Upstream
from gateway.errors import UpstreamError
from gateway.ir.embeddings import EmbeddingRequest, EmbeddingResult
from gateway.upstreams.http import UpstreamHTTP, upstream_errors

__all__ = ["EmbeddingAdapter", "EmbeddingsAdapter", "native_dimension"]

PATH = "/v1/embeddings"


class EmbeddingAdapter(Protocol):
    async def embed(self, request: EmbeddingRequest) -> EmbeddingResult: ...


def native_dimension(request: EmbeddingRequest) -> int | None:
    """The model's native dimension: its ``dimensions`` parameter's ``maximum`` (D-79)."""
    declared = (request.model.parameters.get("dimensions") or {}).get("maximum")
    return declared if isinstance(declared, int) else None


class EmbeddingsAdapter:
    """One OpenAI-style embeddings upstream."""

    def __init__(self, http: UpstreamHTTP, upstream: Upstream) -> None:
        self.http, self.upstream = http, upstream
        self.headers = {"authorization": f"Bearer {upstream.api_key or 'unset'}"}

    def body(self, request: EmbeddingRequest) -> dict[str, Any]:
        out: dict[str, Any] = {"model": request.model.upstream_model, "input": list(request.inputs),
                               "encoding_format": "float"}
        if request.dimensions is not None:
            out["dimensions"] = request.dimensions
        return out

    async def embed(self, request: EmbeddingRequest) -> EmbeddingResult:
        payload = await self.http.post_json(self.upstream, PATH, self.body(request), self.headers)
        async with upstream_errors():
            return self.result(request, payload)

    def result(self, request: EmbeddingRequest, payload: dict[str, Any]) -> EmbeddingResult:
        items = sorted(payload["data"], key=lambda item: int(item["index"]))
        vectors = tuple(tuple(float(x) for x in item["embedding"]) for item in items)
        expected = request.dimensions or native_dimension(request)
        if len(vectors) != len(request.inputs) or [int(i["index"]) for i in items] != list(range(len(items))):
            raise UpstreamError("The model provider returned an unreadable answer.")
        if not vectors or any(not v or (expected is not None and len(v) != expected) for v in vectors):
            raise UpstreamError("The model provider returned an unreadable answer.")
        return EmbeddingResult(vectors=vectors, prompt_tokens=int(payload["usage"]["prompt_tokens"]))
