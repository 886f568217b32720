"""The model catalog: ``GET /v1/models`` (and ``?available=true``) and ``GET /v1/models/{id}``."""

from __future__ import annotations

import secrets
from urllib.parse import quote

import pytest

from suites.checks import errors
from suites.checks.models import model_list
from suites.client import ApiClient
from suites.contract import Contract
from suites.discovery import Discovery


@pytest.mark.rule("model_list_shape", "model_ids_unique", "model_priced", "model_available_flag")
def test_list_models_conforms(api: ApiClient) -> None:
    response = api.get("/v1/models")
    assert response.status_code == 200, response.text
    model_list(response.json())


@pytest.mark.rule("available_filter")
def test_available_filter_lists_only_available_models(api: ApiClient, discovery: Discovery) -> None:
    response = api.get("/v1/models", params={"available": "true"})
    assert response.status_code == 200, response.text
    listed = model_list(response.json())
    not_available = [m["id"] for m in listed if not m["available"] or m["api_status"] not in ("platform", "both")]
    assert not not_available, f"?available=true listed unavailable models: {not_available[:10]}"
    expected = {m["id"] for m in discovery.models if m["available"]}
    assert {m["id"] for m in listed} == expected, "?available=true must list exactly the available models"


@pytest.mark.rule("available_value_400")
def test_invalid_available_value_is_400(api: ApiClient, contract: Contract) -> None:
    response = api.get("/v1/models", params={"available": "perhaps"})
    errors.openai_error(response, contract, status=400, type="invalid_request_error")


@pytest.mark.rule("retrieve_matches_list")
def test_retrieve_matches_list_entry(api: ApiClient, discovery: Discovery) -> None:
    for entry in discovery.sample(24):
        response = api.get(f"/v1/models/{quote(entry['id'], safe=':')}")
        assert response.status_code == 200, f"{entry['id']}: {response.text[:200]}"
        assert response.json() == entry, f"GET /v1/models/{entry['id']} differs from its /v1/models entry"


@pytest.mark.rule("model_ids_with_colon")
def test_model_ids_with_a_colon_resolve(api: ApiClient, discovery: Discovery) -> None:
    variants = [m["id"] for m in discovery.models if ":" in m["id"]]
    if not variants:
        pytest.skip("the deployment lists no model id with a ':' (variant ids)")
    for model_id in variants:
        for path in (f"/v1/models/{model_id}", f"/v1/models/{quote(model_id, safe='')}"):
            response = api.get(path)
            assert response.status_code == 200 and response.json()["id"] == model_id, f"{path}: {response.text[:200]}"


@pytest.mark.rule("unknown_model_404", "error_code")
def test_unknown_model_is_404_model_not_found(api: ApiClient, contract: Contract) -> None:
    response = api.get(f"/v1/models/no-such-model-{secrets.token_hex(4)}")
    errors.openai_error(response, contract, status=404, code="model_not_found")


@pytest.mark.rule("models_free")
def test_listing_models_needs_no_credits(api: ApiClient, zero_credit_key: str) -> None:
    response = api.get("/v1/models", key=zero_credit_key)
    assert response.status_code == 200, f"listing the catalog must not need credits: {response.text[:200]}"
