"""The embeddings adapter (order, dimension and count checks, the upstream body), the codec (base64,
usage and cost) and the route (validation before any upstream call, billing), D-78 – D-80."""

from __future__ import annotations

import asyncio
import base64
import dataclasses
import struct
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from gateway.app import create_app
from gateway.catalog import load_catalog
from gateway.config import Upstream, load_settings
from gateway.errors import UpstreamError
from gateway.formats.openai_embeddings import OpenAIEmbeddings
from gateway.ir.embeddings import EmbeddingRequest, EmbeddingResult
from gateway.security import digest, new_key
from gateway.upstreams.embeddings import EmbeddingsAdapter
from tests.blocking import blocking

UPSTREAM = Upstream("http://embeddings.invalid", "sk-upstream-secret")


class _FakeHTTP:
    def __init__(self, answer: dict[str, Any]) -> None:
        self.answer = answer
        self.sent: list[tuple[str, dict[str, Any], dict[str, str]]] = []

    async def post_json(self, upstream: Upstream, path: str, body: dict[str, Any],
                        headers: dict[str, str]) -> dict[str, Any]:
        self.sent.append((upstream.base_url + path, body, headers))
        return self.answer


def _request(inputs: tuple[str, ...] = ("a", "b"), dimensions: int | None = None,
             encoding: str = "float") -> EmbeddingRequest:
    model = load_catalog(load_settings(env={}).catalog_path).get("nomic-embed")
    assert model is not None
    return EmbeddingRequest(model=model, inputs=inputs, dimensions=dimensions, encoding=encoding)  # type: ignore[arg-type]


def _answer(*indices: int, size: int = 768) -> dict[str, Any]:
    return {"data": [{"index": i, "embedding": [float(i + 1)] * size} for i in indices],
            "usage": {"prompt_tokens": 7, "total_tokens": 7}}


def _embed(answer: dict[str, Any], request: EmbeddingRequest) -> tuple[EmbeddingResult, _FakeHTTP]:
    http = _FakeHTTP(answer)
    adapter = EmbeddingsAdapter(http, UPSTREAM)  # type: ignore[arg-type]
    return asyncio.run(adapter.embed(request)), http


def test_the_upstream_is_asked_for_floats_of_the_upstream_model() -> None:
    _, http = _embed(_answer(0, 1, size=64), _request(dimensions=64, encoding="base64"))
    url, body, headers = http.sent[0]
    assert url == "http://embeddings.invalid/v1/embeddings"
    assert body == {"model": "nomic-embed-text-v1.5", "input": ["a", "b"], "encoding_format": "float", "dimensions": 64}
    assert headers == {"authorization": "Bearer sk-upstream-secret"}
    _, http = _embed(_answer(0, 1), _request())
    assert "dimensions" not in http.sent[0][1]


def test_items_are_put_in_input_order_by_index() -> None:
    result, _ = _embed(_answer(1, 0), _request())
    assert [v[0] for v in result.vectors] == [1.0, 2.0] and result.prompt_tokens == 7


@pytest.mark.parametrize(("answer", "request_"), [
    (_answer(0), _request()),                       # one vector for two inputs
    (_answer(0, 2), _request()),                    # indices not 0..n-1
    (_answer(0, 1, size=767), _request()),          # not the catalog's native dimension (D-79)
    (_answer(0, 1), _request(dimensions=64)),       # dimensions not honoured
    ({"data": "nope"}, _request()),                 # unreadable
    ({"data": [{"index": 0, "embedding": ["x"]}]}, _request(("a",))),
])
def test_a_wrong_answer_is_502_without_upstream_detail(answer: dict[str, Any], request_: EmbeddingRequest) -> None:
    with pytest.raises(UpstreamError) as caught:
        _embed(answer, request_)
    assert caught.value.status == 502 and "embeddings.invalid" not in str(caught.value)


def test_base64_is_little_endian_float32_and_usage_is_priced() -> None:
    request = _request(("a",), encoding="base64")
    body = OpenAIEmbeddings().encode(request, EmbeddingResult(vectors=((0.5, -0.25, 1.0),), prompt_tokens=1000))
    packed = body["data"][0]["embedding"]
    assert struct.unpack("<3f", base64.b64decode(packed)) == (0.5, -0.25, 1.0)
    assert body["usage"]["prompt_tokens"] == body["usage"]["total_tokens"] == 1000
    assert Decimal(str(body["usage"]["cost"])) == Decimal("0.01") * 1000 / 1_000_000


class _Embedder:
    def __init__(self) -> None:
        self.calls: list[EmbeddingRequest] = []

    async def embed(self, request: EmbeddingRequest) -> EmbeddingResult:
        self.calls.append(request)
        size = request.dimensions or 768
        return EmbeddingResult(vectors=tuple((0.1,) * size for _ in request.inputs), prompt_tokens=1_000_000)


@pytest.fixture()
def served(tmp_path: Path) -> Iterator[tuple[TestClient, dict[str, str], _Embedder, Any]]:
    app = create_app(dataclasses.replace(load_settings(env={}), db_path=tmp_path / "g.db"))
    state = app.state.gateway
    embedder = _Embedder()
    state.embedders = {"embeddings": embedder}
    key = new_key()
    account = blocking(state.store).create_account("acme", 10**12)
    blocking(state.store).add_key(account.id, digest(key, blocking(state.store).pepper()), "k")
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client, {"authorization": f"Bearer {key}"}, embedder, lambda: blocking(state.store).get_account(account.id)


def test_the_route_answers_in_order_and_charges_the_token_price(
        served: tuple[TestClient, dict[str, str], _Embedder, Any]) -> None:
    client, auth, embedder, account = served
    before = account().balance_nano
    response = client.post("/v1/embeddings", json={"model": "nomic-embed", "input": ["a", "b"], "dimensions": 64},
                           headers=auth)
    assert response.status_code == 200, response.text
    body = response.json()
    assert [d["index"] for d in body["data"]] == [0, 1] and len(body["data"][1]["embedding"]) == 64
    assert body["model"] == "nomic-embed" and body["usage"]["cost"] == 0.01
    assert before - account().balance_nano == 10_000_000
    assert embedder.calls[0].inputs == ("a", "b")


@pytest.mark.parametrize(("body", "status", "code"), [
    ({"model": "qwen3-max", "input": "x"}, 400, "model_not_supported_on_endpoint"),
    ({"model": "nope", "input": "x"}, 404, "model_not_found"),
    ({"model": "nomic-embed", "input": [1, 2]}, 400, "invalid_parameter"),
    ({"model": "nomic-embed", "input": ["x"] * 2049}, 400, "invalid_parameter"),
    ({"model": "nomic-embed", "input": "x", "dimensions": 32}, 400, "invalid_parameter"),
    ({"model": "nomic-embed", "input": "x", "encoding_format": "hex"}, 400, "invalid_parameter"),
    ({"input": "x"}, 400, "missing_parameter"),
])
def test_refusals_never_reach_the_upstream(served: tuple[TestClient, dict[str, str], _Embedder, Any],
                                           body: dict[str, Any], status: int, code: str) -> None:
    client, auth, embedder, _ = served
    response = client.post("/v1/embeddings", json=body, headers=auth)
    assert (response.status_code, response.json()["error"]["code"]) == (status, code), response.text
    assert embedder.calls == []
