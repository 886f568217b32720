"""``GET /v1/models`` on the mocks: each provider's own plain shape, any key in either header."""

from __future__ import annotations

from typing import Any

import httpx

from mocks.listing import MODELS


def test_each_family_lists_its_models_in_its_own_plain_shape(family: tuple[str, httpx.Client]) -> None:
    name, client = family
    body: dict[str, Any] = client.get("/v1/models").json()
    ids = [m["id"] for m in body["data"]]
    assert ids == list(MODELS[name])
    if name == "anthropic":
        assert set(body) == {"data", "has_more", "first_id", "last_id"} and body["has_more"] is False
        assert all(set(m) == {"type", "id", "display_name", "created_at"} for m in body["data"])
    else:
        assert body["object"] == "list"
        assert all(set(m) == {"id", "object", "created", "owned_by"} and m["owned_by"] == name for m in body["data"])
    entry = client.get(f"/v1/models/{ids[0]}")
    assert entry.status_code == 200 and entry.json() == body["data"][0]


def test_listing_takes_any_key_in_either_header_and_refuses_none(family: tuple[str, httpx.Client]) -> None:
    _, client = family
    base = str(client.base_url)
    assert httpx.get(f"{base}/v1/models", headers={"authorization": "Bearer anything"}).status_code == 200
    assert httpx.get(f"{base}/v1/models", headers={"x-api-key": "anything"}).status_code == 200
    assert httpx.get(f"{base}/v1/models").status_code == 401
    unknown = client.get("/v1/models/no-such-model")
    assert unknown.status_code == 404 and "no-such-model" in unknown.text
