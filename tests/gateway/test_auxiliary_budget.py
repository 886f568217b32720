"""The auxiliary budget (D-3, D-136): which requests it holds, its size, a refusal before the route, and that
a rejected request is not counted."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from gateway.app import create_app
from gateway.config import load_settings
from gateway.middleware.auxiliary import auxiliary, auxiliary_rpm
from gateway.security import digest, new_key
from tests.blocking import blocking


@pytest.mark.parametrize(("method", "path", "held"), [
    ("GET", "/v1/models", True), ("GET", "/v1/models/qwen3-max", True), ("GET", "/v1/jobs/job_x", True),
    ("POST", "/v1/files/upload", True), ("GET", "/v1/responses/resp_x/input_items", True),
    ("DELETE", "/v1/responses/resp_x", True), ("POST", "/v1/chat/completions", False),
    ("POST", "/v1/models", False), ("GET", "/healthz", False),
])
def test_the_spec_names_the_auxiliary_operations(method: str, path: str, held: bool) -> None:
    assert auxiliary(method, path) is held


def test_the_budget_scales_with_the_request_budget() -> None:
    assert (auxiliary_rpm(50), auxiliary_rpm(1)) == (600, 12)


@pytest.fixture()
def limited(tmp_path: Path) -> Iterator[tuple[TestClient, dict[str, str]]]:
    app = create_app(dataclasses.replace(load_settings(env={}), db_path=tmp_path / "g.db"))
    store = blocking(app.state.gateway.store)
    key = new_key()
    account = store.create_account("limited", 10**12)
    store.add_key(account.id, digest(key, store.pepper()), "k")
    store.set_limits(account.id, rpm=1)
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client, {"authorization": f"Bearer {key}"}


def test_spent_budget_is_429_before_the_route_and_404s_do_not_count(
        limited: tuple[TestClient, dict[str, str]]) -> None:
    client, auth = limited
    for _ in range(5):
        assert client.get("/v1/jobs/job_unknown", headers=auth).status_code == 404
    statuses = [client.get("/v1/models/qwen3-max", headers=auth).status_code for _ in range(13)]
    assert statuses == [200] * 12 + [429]
    refused = client.get("/v1/jobs/job_unknown", headers=auth)
    assert refused.status_code == 429 and int(refused.headers["retry-after"]) > 0
    assert refused.json()["error"]["code"] == "rate_limit_exceeded"
