"""Routes not served yet resolve the model their JSON body names before answering 503 (D-15, D-47)."""

import dataclasses
from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from gateway.app import create_app
from gateway.config import load_settings
from gateway.routes.pending import PENDING_PATHS
from gateway.security import digest, new_key

PENDING_POST = next((path for method, path in PENDING_PATHS if method == "POST"), None)
pending_post = pytest.mark.skipif(PENDING_POST is None, reason="every POST operation is served")


@pytest.fixture()
def client(tmp_path: Path) -> Iterator[tuple[TestClient, dict[str, str]]]:
    app = create_app(dataclasses.replace(load_settings(env={}), db_path=tmp_path / "g.db"))
    store = app.state.gateway.store
    key = new_key()
    store.add_key(store.create_account("acme", 10**12).id, digest(key, store.pepper()), "k")
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client, {"authorization": f"Bearer {key}"}


@pytest.mark.parametrize(("body", "status", "code"), [
    ({"model": "no-such-model", "input": "q"}, 404, "model_not_found"),
    ({"model": "qwen3-max", "input": "q"}, 400, "model_not_supported_on_endpoint"),
    ({"input": "q"}, 503, "model_unavailable"),
])
@pending_post
def test_a_pending_route_resolves_the_model_first(client: tuple[TestClient, dict[str, str]], body: dict[str, str],
                                                  status: int, code: str) -> None:
    test_client, auth = client
    response = test_client.post(str(PENDING_POST), json=body, headers=auth)
    assert response.status_code == status, response.text
    assert response.json()["error"]["code"] == code


@pending_post
def test_a_body_that_is_not_json_is_400_not_503(client: tuple[TestClient, dict[str, str]]) -> None:
    """D-66: a body declared as JSON is parsed strictly everywhere, so bad input is a 400, never a 5xx."""
    test_client, auth = client
    for raw in (b"not json", b"[" * 5000, b'{"model": "\ud800"}'):
        for path in (str(PENDING_POST), "/v1/search"):
            response = test_client.post(path, content=raw, headers={**auth, "content-type": "application/json"})
            assert response.status_code == 400, (path, raw[:20])
    response = test_client.post(str(PENDING_POST), content=b"", headers={**auth, "content-type": "application/json"})
    assert response.status_code == 503
