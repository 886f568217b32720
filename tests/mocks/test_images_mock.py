"""The image mock: real PNGs of the asked size, n of them, and its faults."""

from __future__ import annotations

import base64

from starlette.testclient import TestClient

from gateway.media.png import png_size
from mocks.server import build_app

AUTH = {"authorization": "Bearer k"}


def _client() -> TestClient:
    return TestClient(build_app("media"))


def test_answers_pngs_of_the_asked_size() -> None:
    response = _client().post("/v1/images/generations", headers=AUTH,
                              json={"model": "qwen-image-2.0", "prompt": "a fox", "n": 2, "size": "320x200"})
    assert response.status_code == 200
    data = response.json()["data"]
    assert len(data) == 2
    assert all(png_size(base64.b64decode(item["b64_json"])) == (320, 200) for item in data)


def test_refuses_unknown_model_and_bad_size() -> None:
    client = _client()
    assert client.post("/v1/images/generations", headers=AUTH, json={"model": "x", "prompt": "p"}).status_code == 404
    bad = client.post("/v1/images/generations", headers=AUTH, json={"model": "qwen-image-2.0", "prompt": "p", "size": "big"})
    assert bad.status_code == 400


def test_status_and_malformed_faults() -> None:
    client = _client()
    failed = client.post("/v1/images/generations", headers=AUTH,
                         json={"model": "qwen-image-2.0", "prompt": "p [[mock:fault=status:500]]"})
    assert failed.status_code == 500
    halved = client.post("/v1/images/generations", headers=AUTH,
                         json={"model": "qwen-image-2.0", "prompt": "p [[mock:fault=malformed:1]]"})
    assert halved.status_code == 200 and not halved.text.rstrip().endswith("}")
