"""The test-mode package patches seams, not code: production modules carry no defect branch, and a
test-mode gateway with no defect active answers exactly like a production one."""

import dataclasses
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from starlette.testclient import TestClient

from gateway.app import create_app
from gateway.config import load_settings
from gateway.security import digest, new_key
from suites import ROOT
from tests.blocking import blocking

_ALLOWED = {"gateway/app.py"}
"""The one place that installs the patches in test mode (and refuses them outside it)."""


def test_production_modules_have_no_defect_branches() -> None:
    offenders = [
        f"{path.relative_to(ROOT)}:{n}"
        for path in sorted((ROOT / "gateway").rglob("*.py"))
        if "testing" not in path.relative_to(ROOT / "gateway").parts and str(path.relative_to(ROOT)) not in _ALLOWED
        for n, line in enumerate(path.read_text().splitlines(), 1)
        if re.search("defect", line, re.IGNORECASE)
    ]
    assert not offenders


@contextmanager
def _client(tmp_path: Path, *, test_mode: bool) -> Iterator[tuple[TestClient, str]]:
    db = tmp_path / ("test.db" if test_mode else "prod.db")
    app = create_app(dataclasses.replace(load_settings(env={}), db_path=db, test_mode=test_mode))
    store = blocking(app.state.gateway.store)
    key = new_key()
    store.add_key(store.create_account("acme", 10**12).id, digest(key, store.pepper()), "k")
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client, key


_VOLATILE = {"x-request-id", "request-id", "date"}


def _exchange(client: TestClient, key: str) -> list[tuple[int, dict[str, str], bytes]]:
    bearer = {"authorization": f"Bearer {key}"}
    requests = [
        ("GET", "/v1/models", bearer, b""),
        ("GET", "/v1/models?available=true", bearer, b""),
        ("GET", "/v1/models?available=maybe", bearer, b""),
        ("GET", "/v1/models/no-such-model", bearer, b""),
        ("GET", "/v1/models", {"x-api-key": key}, b""),
        ("GET", "/v1/models", {}, b""),
        ("GET", "/v1/models", {"authorization": "bearer sk-wrong-prefix-123"}, b""),
        ("GET", "/v1/models", {"authorization": f"Bearer {key}", "x-api-key": key + "x"}, b""),
        ("POST", "/v1/messages", {}, b"{}"),
        ("POST", "/v1/messages", bearer, b"{}"),
        ("POST", "/v1/chat/completions", {**bearer, "content-type": "text/plain"}, b"{}"),
        ("GET", "/no/such/path", {}, b""),
        ("DELETE", "/v1/models", bearer, b""),
        ("POST", "/v1/chat/completions", bearer, b"x" * (21 * 1024 * 1024)),
    ]
    out = []
    for method, path, headers, body in requests:
        response = client.request(method, path, headers=headers, content=body)
        kept = {k: v for k, v in response.headers.items() if k not in _VOLATILE}
        out.append((response.status_code, kept, response.content))
    return out


def test_no_active_defect_answers_like_production(tmp_path: Path) -> None:
    with _client(tmp_path, test_mode=False) as (production, key):
        expected = _exchange(production, key)
    with _client(tmp_path, test_mode=True) as (test_mode, key):
        assert test_mode.get("/__test__/defects").json()["active"] == []
        assert _exchange(test_mode, key) == expected


def test_a_defect_switches_at_runtime(tmp_path: Path) -> None:
    with _client(tmp_path, test_mode=True) as (client, key):
        bearer = {"authorization": f"Bearer {key}"}
        assert client.get("/v1/models", headers=bearer).json()["object"] == "list"
        client.put("/__test__/defects", json={"active": ["list_object_missing"]}).raise_for_status()
        assert "object" not in client.get("/v1/models", headers=bearer).json()
        client.put("/__test__/defects", json={"active": []}).raise_for_status()
        assert client.get("/v1/models", headers=bearer).json()["object"] == "list"
