"""The embeddings family: OpenAI-style ``POST /v1/embeddings`` (also ``/embeddings``).

Vectors are a pure function of the text (:func:`vector`): unit-length floats seeded from the SHA-256 of
the input with its directives removed, of the upstream model's native dimension, or truncated to
``dimensions`` and renormalised (Matryoshka) when asked. ``usage.prompt_tokens`` counts every input as
sent (:func:`mocks.text.count_tokens`). Directives in any input apply to the whole request (``status``,
``latency``, ``hang``, and ``malformed`` / ``cut`` on the JSON body, :class:`mocks.wire.JSONDelivery`).
"""

from __future__ import annotations

import base64
import hashlib
import math
import struct
from typing import Any

from starlette.routing import Route

from mocks.faults import extract
from mocks.openai.dialect import OpenAIDialect
from mocks.provider import ApiError, Call, Family, dumps, endpoint
from mocks.text import count_tokens
from mocks.wire import JSONDelivery

__all__ = ["DIMENSIONS", "routes", "vector"]

DIMENSIONS: dict[str, int] = {"nomic-embed-text-v1.5": 768, "nomic-embed-text-v2-moe": 768}
"""Native dimension of each upstream model the mock serves."""


def vector(text: str, dimension: int, truncate_to: int | None = None) -> list[float]:
    """The unit vector for ``text``: ``dimension`` values in [-1, 1) from SHA-256 blocks, cut to
    ``truncate_to`` and renormalised when given."""
    values: list[float] = []
    counter = 0
    while len(values) < dimension:
        block = hashlib.sha256(f"{counter}:{text}".encode()).digest()
        values.extend(v / 2**31 for v in struct.unpack("<8i", block))
        counter += 1
    values = values[:truncate_to or dimension]
    norm = math.sqrt(sum(v * v for v in values)) or 1.0
    return [round(v / norm, 7) for v in values]


def _inputs(body: dict[str, Any]) -> list[str]:
    value = body.get("input")
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or not items or not all(isinstance(i, str) and i for i in items):
        raise ApiError(400, "'input' must be a non-empty string or array of non-empty strings.", param="input")
    return items


def _dimension(body: dict[str, Any]) -> tuple[int, int | None]:
    model = body.get("model")
    if model not in DIMENSIONS:
        raise ApiError(404, f"The model '{model}' does not exist.", code="model_not_found", param="model")
    native, asked = DIMENSIONS[str(model)], body.get("dimensions")
    if asked is not None and (not isinstance(asked, int) or isinstance(asked, bool) or not 1 <= asked <= native):
        raise ApiError(400, f"'dimensions' must be between 1 and {native}.", param="dimensions")
    return native, asked


def _encoded(values: list[float], encoding: Any) -> list[float] | str:
    if encoding in (None, "float"):
        return values
    if encoding == "base64":
        return base64.b64encode(struct.pack(f"<{len(values)}f", *values)).decode()
    raise ApiError(400, "'encoding_format' must be 'float' or 'base64'.", param="encoding_format")


def routes(family: Family) -> list[Route]:
    dialect = OpenAIDialect()

    async def handle(call: Call) -> Any:
        texts = _inputs(call.body)
        native, asked = _dimension(call.body)
        _, plan = call.plan(" ".join(texts))
        if plan.status:
            raise ApiError.injected(plan.status, plan)
        data = [{"object": "embedding", "index": i,
                 "embedding": _encoded(vector(extract(text)[0], native, asked),
                                       call.body.get("encoding_format"))}
                for i, text in enumerate(texts)]
        tokens = sum(count_tokens(text) for text in texts)
        body = {"object": "list", "data": data, "model": call.body["model"],
                "usage": {"prompt_tokens": tokens, "total_tokens": tokens}}
        return JSONDelivery(dumps(body).encode(), 200, call.headers, plan)

    run = endpoint(family, dialect, dialect.authenticate, handle)
    return [Route("/v1/embeddings", run, methods=["POST"]), Route("/embeddings", run, methods=["POST"])]
