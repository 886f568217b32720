"""Checks of ``POST /v1/embeddings`` (D-78 – D-80): one vector per input, in order, of the catalog's
dimension or of ``dimensions``; base64 that decodes to the float answer; usage reported.

Vectors are compared by cosine similarity, never bit for bit, so the checks hold for real embedding models
(whose batched and single answers differ in the last digits) as for the reference's mocks.
"""

from __future__ import annotations

import base64
import binascii
import math
import struct
from typing import Any

from suites.checks import cut, expect, fail, holds
from suites.rules import register

__all__ = ["BASE64", "COST", "DIMENSION", "DIMENSIONS_PARAM", "INPUT_REFUSED", "IN_ORDER", "SHAPE", "cosine",
           "decoded", "in_input_order", "shaped", "vectors"]

SHAPE = "embeddings_shape"
IN_ORDER = "embeddings_in_order"
DIMENSION = "embeddings_native_dimension"
DIMENSIONS_PARAM = "embeddings_dimensions_param"
BASE64 = "embeddings_base64"
INPUT_REFUSED = "embeddings_input_refused"
COST = "embeddings_token_priced"

register(SHAPE, "openai:embeddings#response",
         "an embeddings answer is a list of embedding objects with the requested model and usage.prompt_tokens "
         "and total_tokens")
register(IN_ORDER, "openai:embeddings#response",
         "one vector per input, data[i].index == i, and data[i] is the embedding of input i")
register(DIMENSION, "decision:D-79",
         "without dimensions, each vector has the native dimension the catalog declares (dimensions' maximum)")
register(DIMENSIONS_PARAM, "openai:embeddings#dimensions", "with dimensions: N, each vector has exactly N values")
register(BASE64, "openai:embeddings#encoding-format",
         "encoding_format: base64 answers each embedding as base64 of little-endian float32 values, equal to "
         "the float answer's")
register(INPUT_REFUSED, "decision:D-78",
         "input that is not a non-empty string or array of 1..2048 non-empty strings is 400 invalid_parameter "
         "naming input, never sent upstream")
register(COST, "docs:models-and-pricing#pricing-units",
         "an embedding model is billed per input token at its listed rate: usage.cost (and the debit, where the "
         "balance is known) is prompt_tokens times that rate")

SAME = 0.999
"""Cosine similarity above which two vectors are taken for the embedding of the same text."""


def shaped(body: Any, model_id: str, count: int) -> None:
    """``body`` is a list of ``count`` embedding objects for ``model_id`` with usage."""
    holds(SHAPE, isinstance(body, dict) and body.get("object") == "list", f"not an embeddings list: {cut(body)}")
    data = body.get("data")
    expect(SHAPE, isinstance(data, list) and len(data) == count, f"{count} data items", data)
    expect(SHAPE, body.get("model") == model_id, f"model {model_id!r}", body.get("model"))
    usage = body.get("usage") or {}
    tokens = usage.get("prompt_tokens")
    ok = isinstance(tokens, int) and tokens > 0 and usage.get("total_tokens") == tokens
    expect(SHAPE, ok, "usage.prompt_tokens > 0 and total_tokens == prompt_tokens", usage)


def vectors(body: dict[str, Any], rule: str) -> list[list[float]]:
    """The float vectors of ``body``'s data items, in ``data`` order."""
    out: list[list[float]] = []
    for i, item in enumerate(body.get("data") or ()):
        value = item.get("embedding") if isinstance(item, dict) else None
        if not (isinstance(value, list) and value and all(isinstance(x, (int, float)) for x in value)):
            fail(rule, f"data[{i}].embedding is not an array of numbers: {cut(value)}")
            return out
        out.append([float(x) for x in value])
    return out


def cosine(a: list[float], b: list[float]) -> float:
    if len(a) != len(b):
        return -1.0
    na, nb = math.sqrt(sum(x * x for x in a)), math.sqrt(sum(y * y for y in b))
    return sum(x * y for x, y in zip(a, b, strict=True)) / (na * nb) if na and nb else -1.0


def in_input_order(batch: dict[str, Any], singles: list[list[float]]) -> None:
    """``batch``'s items are numbered 0..n-1 and item i is (nearly) the vector of input i asked alone."""
    indices = [item.get("index") for item in batch.get("data") or ()]
    expect(IN_ORDER, indices == list(range(len(singles))), f"indices {list(range(len(singles)))}", indices)
    got = vectors(batch, IN_ORDER)
    for i, (vector, alone) in enumerate(zip(got, singles, strict=False)):
        similarity = cosine(vector, alone)
        best = max(range(len(singles)), key=lambda j: cosine(vector, singles[j]))
        holds(IN_ORDER, similarity >= SAME and best == i,
              f"data[{i}] is not the embedding of input {i} (cosine {similarity:.4f}; closest to input {best})")


def decoded(value: Any, where: str) -> list[float]:
    """The float32 values of a base64 ``embedding``."""
    if not isinstance(value, str):
        fail(BASE64, f"{where} is not a base64 string: {cut(value)}")
        return []
    try:
        raw = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        fail(BASE64, f"{where} is not valid base64: {cut(value)}")
        return []
    if not raw or len(raw) % 4:
        fail(BASE64, f"{where} decodes to {len(raw)} bytes, not a whole number of float32 values")
        return []
    return list(struct.unpack(f"<{len(raw) // 4}f", raw))
