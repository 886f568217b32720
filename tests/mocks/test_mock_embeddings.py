"""The embeddings mock: deterministic unit vectors of the model's dimension, ``dimensions`` truncation,
base64, token usage, fault directives and the request log."""

from __future__ import annotations

import base64
import math
import struct
import time

import httpx
import pytest

from mocks.embeddings import vector
from mocks.text import count_tokens

MODEL = "nomic-embed-text-v1.5"


def _embed(client: httpx.Client, value: object, **extra: object) -> httpx.Response:
    return client.post("/v1/embeddings", json={"model": MODEL, "input": value, **extra})


def test_one_unit_vector_per_input_in_order(embeddings_client: httpx.Client) -> None:
    body = _embed(embeddings_client, ["a lighthouse", "flour, two cups"]).json()
    assert [d["index"] for d in body["data"]] == [0, 1]
    assert body["data"][0]["embedding"] == vector("a lighthouse", 768)
    assert body["data"][1]["embedding"] == vector("flour, two cups", 768)
    assert all(abs(math.fsum(x * x for x in d["embedding"]) - 1) < 1e-4 for d in body["data"])
    tokens = count_tokens("a lighthouse") + count_tokens("flour, two cups")
    assert body["usage"] == {"prompt_tokens": tokens, "total_tokens": tokens}


def test_dimensions_truncate_and_base64_packs_float32(embeddings_client: httpx.Client) -> None:
    short = _embed(embeddings_client, "x", dimensions=64).json()["data"][0]["embedding"]
    assert len(short) == 64 and short == vector("x", 768, 64)
    packed = _embed(embeddings_client, "x", encoding_format="base64").json()["data"][0]["embedding"]
    values = struct.unpack("<768f", base64.b64decode(packed))
    assert max(abs(a - b) for a, b in zip(values, vector("x", 768), strict=True)) < 1e-6


@pytest.mark.parametrize("body", [
    {"model": MODEL, "input": []}, {"model": MODEL, "input": ""}, {"model": MODEL, "input": [1, 2]},
    {"model": MODEL, "input": "x", "dimensions": 769}, {"model": MODEL, "input": "x", "encoding_format": "hex"},
])
def test_bad_requests_are_400(embeddings_client: httpx.Client, body: dict[str, object]) -> None:
    response = embeddings_client.post("/v1/embeddings", json=body)
    assert response.status_code == 400 and "embeddings.mock-upstream.internal" in response.json()["error"]["message"]


def test_unknown_model_is_404(embeddings_client: httpx.Client) -> None:
    assert embeddings_client.post("/v1/embeddings", json={"model": "nope", "input": "x"}).status_code == 404


def test_directives_fault_the_request_and_are_not_embedded(embeddings_client: httpx.Client) -> None:
    assert _embed(embeddings_client, ["ok", "[[mock:fault=status:503]] x"]).status_code == 503
    broken = _embed(embeddings_client, "[[mock:fault=malformed:1]] x")
    assert broken.status_code == 200 and broken.content.startswith(b"{") and not broken.content.endswith(b"}")
    started = time.monotonic()
    body = _embed(embeddings_client, "[[mock:fault=latency:200ms]]x").json()
    assert time.monotonic() - started >= 0.2 and body["data"][0]["embedding"] == vector("x", 768)
    logged = embeddings_client.get("/__mock__/requests").json()["requests"][-1]
    assert logged["path"] == "/v1/embeddings" and logged["body"]["input"] == "[[mock:fault=latency:200ms]]x"
