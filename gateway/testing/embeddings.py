"""Defects of ``POST /v1/embeddings`` (D-78 – D-80): vectors out of order, base64 left as floats,
``dimensions`` dropped, usage dropped, a chat or unknown model served, bad input forwarded, upstream failures untranslated, the credit gate skipped.

Seams: the embeddings codec (``state.embedding_codec``: the catalog a decode resolves the model in, the
error a decode raises, the request an encode sees) and each embeddings adapter (``state.embedders``: the
request it sends, the result it returns, the error it raises), and the credit gate (``state.credit_check``)
for this path only.
"""

from __future__ import annotations

import dataclasses
import json
from typing import Any, cast

from gateway.catalog import Catalog, CatalogModel
from gateway.errors import InvalidRequest, UpstreamError
from gateway.formats.openai_embeddings import ENDPOINT, EmbeddingCodec
from gateway.ir.embeddings import EmbeddingRequest, EmbeddingResult
from gateway.state import GatewayState
from gateway.testing.registry import ActiveDefects, defect
from gateway.testing.videos import skipping_credits
from gateway.upstreams.embeddings import EmbeddingAdapter

__all__ = ["install"]

OUT_OF_ORDER = defect("embeddings_out_of_order", "data[i] is the embedding of input i (openai:embeddings)")
BASE64_NOT_ENCODED = defect("embeddings_base64_not_encoded",
                            "encoding_format: base64 answers base64 float32 strings (D-80)")
DIMENSIONS_IGNORED = defect("embeddings_dimensions_ignored", "dimensions: N gives N values per vector (D-79)")
CHAT_MODEL_ACCEPTED = defect("embeddings_chat_model_accepted",
                             "a model not listing /v1/embeddings is 400 model_not_supported_on_endpoint (D-78)")
UNKNOWN_MODEL_SERVED = defect("embeddings_unknown_model_served", "an unknown model is 404 model_not_found (D-47)")
INPUT_FORWARDED = defect("embeddings_input_forwarded", "bad input is 400 naming input, never sent upstream (D-78)")
USAGE_DROPPED = defect("embeddings_usage_dropped", "an embeddings answer reports usage (openai:embeddings)")
NOT_ADMITTED = defect("embeddings_not_admitted", "an embeddings request of an account without credits is 402")
NOT_CHARGED = defect("embeddings_not_charged", "embeddings are billed per input token at the listed rate")
UPSTREAM_UNTRANSLATED = defect("embeddings_upstream_untranslated", "an upstream failure is 502 upstream_error")


def _every_model_embeds(catalog: Catalog) -> Catalog:
    models = {k: dataclasses.replace(m, public={**m.public, "endpoints": [*m.public["endpoints"], ENDPOINT]})
              for k, m in catalog.models.items()}
    return dataclasses.replace(catalog, models=models)


def _first_embedder(catalog: Catalog) -> CatalogModel:
    return next(m for m in catalog.models.values() if ENDPOINT in m.public["endpoints"] and m.available)


class _FallbackCatalog(Catalog):
    """A catalog answering an unknown id with its first embedding model."""

    def get(self, model_id: str) -> CatalogModel | None:
        return self.models.get(model_id) or _first_embedder(self)


class _Codec:
    def __init__(self, inner: EmbeddingCodec, active: ActiveDefects) -> None:
        self.inner, self.active = inner, active

    def decode(self, raw: bytes, catalog: Catalog) -> EmbeddingRequest:
        if self.active.on(CHAT_MODEL_ACCEPTED.name):
            catalog = _every_model_embeds(catalog)
        if self.active.on(UNKNOWN_MODEL_SERVED.name):
            catalog = _FallbackCatalog(**{f.name: getattr(catalog, f.name) for f in dataclasses.fields(catalog)})
        try:
            request = self.inner.decode(raw, catalog)
        except InvalidRequest as error:
            if not (self.active.on(INPUT_FORWARDED.name) and (error.param or "").startswith("input")):
                raise
            body: dict[str, Any] = json.loads(raw)
            sent = dict(body, input="ok")
            request = self.inner.decode(json.dumps(sent).encode(), catalog)
            value = body["input"]
            request = dataclasses.replace(request, inputs=cast(tuple[str, ...], (value,) if not isinstance(value, list)
                                                               else tuple(value)))
        if self.active.on(NOT_CHARGED.name):
            unpriced = {**request.model.public, "pricing_rows": []}
            request = dataclasses.replace(request, model=dataclasses.replace(request.model, public=unpriced,
                                                                             _priced={}))
        return request

    def encode(self, request: EmbeddingRequest, result: EmbeddingResult) -> dict[str, Any]:
        if self.active.on(BASE64_NOT_ENCODED.name):
            request = dataclasses.replace(request, encoding="float")
        body = self.inner.encode(request, result)
        if self.active.on(USAGE_DROPPED.name):
            body.pop("usage", None)
        return body


class _Adapter:
    def __init__(self, inner: EmbeddingAdapter, active: ActiveDefects) -> None:
        self.inner, self.active = inner, active

    async def embed(self, request: EmbeddingRequest) -> EmbeddingResult:
        if self.active.on(DIMENSIONS_IGNORED.name):
            request = dataclasses.replace(request, dimensions=None)
        try:
            result = await self.inner.embed(request)
        except UpstreamError as error:
            if self.active.on(UPSTREAM_UNTRANSLATED.name):
                raise RuntimeError("embeddings upstream failed") from error
            raise
        if self.active.on(OUT_OF_ORDER.name):
            result = dataclasses.replace(result, vectors=tuple(reversed(result.vectors)))
        return result



def install(state: GatewayState, active: ActiveDefects) -> None:
    """Wrap the embeddings codec, every embeddings adapter and the credit gate (for this path only)."""
    state.credit_check = skipping_credits(state.credit_check, active, NOT_ADMITTED.name, ENDPOINT)
    state.embedding_codec = _Codec(state.embedding_codec, active)
    state.embedders = {family: _Adapter(adapter, active) for family, adapter in state.embedders.items()}
