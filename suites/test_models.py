"""The model catalog: ``GET /v1/models`` (and ``?available=true|false``) and ``GET /v1/models/{id}``."""

from __future__ import annotations

import secrets
from urllib.parse import quote

import pytest

from suites.checks import errors, expect
from suites.checks.behaviour import param_named, status_is
from suites.checks.models import model_list
from suites.client import ApiClient
from suites.contract import Contract
from suites.discovery import Discovery
from suites.selection import need_catalog


@pytest.mark.rule("model_list_shape", "model_ids_unique", "model_priced", "model_available_flag")
def test_list_models_conforms(api: ApiClient, discovery: Discovery) -> None:
    need_catalog(discovery)
    response = api.get("/v1/models")
    status_is("model_list_shape", response, 200)
    model_list(response.json())
    shared = discovery.listing_violations  # the session's own fetch, made before any test ran
    expect("model_list_shape", not shared, "no contract violation in the GET /v1/models discovery made",
           "; ".join(str(v) for v in shared[:5]))


@pytest.mark.rule("available_filter")
def test_available_filter_lists_only_available_models(api: ApiClient, discovery: Discovery) -> None:
    need_catalog(discovery)
    response = api.get("/v1/models", params={"available": "true"})
    status_is("available_filter", response, 200)
    listed = model_list(response.json())
    not_available = [m["id"] for m in listed if not m.get("available")]
    expect("available_filter", not not_available, "only available models", not_available[:10])
    expected = {m["id"] for m in discovery.models if m.get("available")}
    got = {m["id"] for m in listed}
    expect("available_filter", got == expected, f"exactly the {len(expected)} available models",
           f"missing {sorted(expected - got)[:5]}, extra {sorted(got - expected)[:5]}")


@pytest.mark.rule("available_filter_false")
def test_available_false_lists_only_unavailable_models(api: ApiClient, discovery: Discovery) -> None:
    need_catalog(discovery)
    response = api.get("/v1/models", params={"available": "false"})
    status_is("available_filter_false", response, 200)
    listed = model_list(response.json())
    available = [m["id"] for m in listed if m.get("available") is not False]
    expect("available_filter_false", not available, "only models with available: false", available[:10])
    expected = {m["id"] for m in discovery.models if m.get("available") is False}
    got = {m["id"] for m in listed}
    expect("available_filter_false", got == expected, f"exactly the {len(expected)} unavailable models",
           f"missing {sorted(expected - got)[:5]}, extra {sorted(got - expected)[:5]}")


@pytest.mark.rule("available_value_400")
def test_invalid_available_value_is_400(api: ApiClient, contract: Contract) -> None:
    response = api.get("/v1/models", params={"available": "perhaps"})
    errors.openai_error(response, contract, status=400, type="invalid_request_error")


LAX_AVAILABLE = ["1", "0", "yes", "no", "TRUE", ""]


@pytest.mark.parametrize("value", LAX_AVAILABLE, ids=[v or "empty" for v in LAX_AVAILABLE])
@pytest.mark.rule("available_value_strict", "error_param")
def test_available_accepts_only_true_or_false(api: ApiClient, contract: Contract, value: str) -> None:
    response = api.get("/v1/models", params={"available": value})
    status_is("available_value_strict", response, 400)
    error = errors.openai_error(response, contract, status=400, type="invalid_request_error", code="invalid_parameter")
    param_named(error, "available")


@pytest.mark.rule("retrieve_model", "retrieve_matches_list")
def test_retrieve_matches_list_entry(api: ApiClient, discovery: Discovery) -> None:
    need_catalog(discovery)
    for entry in discovery.sample(24):
        response = api.get(f"/v1/models/{quote(entry['id'], safe=':')}")
        status_is("retrieve_model", response, 200)
        expect("retrieve_model", response.json().get("id") == entry["id"], f"the model {entry['id']!r}",
               response.json().get("id"))
        expect("retrieve_matches_list", response.json() == entry, f"GET /v1/models/{entry['id']} = its list entry",
               response.text)


@pytest.mark.rule("model_ids_with_colon")
def test_model_ids_with_a_colon_resolve(api: ApiClient, discovery: Discovery) -> None:
    need_catalog(discovery)
    variants = [m["id"] for m in discovery.models if ":" in m["id"]]
    if not variants:
        pytest.skip("the deployment lists no model id with a ':' (variant ids)")
    for model_id in variants:
        for path in (f"/v1/models/{model_id}", f"/v1/models/{quote(model_id, safe='')}"):
            response = api.get(path)
            status_is("model_ids_with_colon", response, 200)
            expect("model_ids_with_colon", response.json().get("id") == model_id, f"{path} → id {model_id!r}",
                   response.json().get("id"))


@pytest.mark.rule("unknown_model_404", "error_code")
def test_unknown_model_is_404_model_not_found(api: ApiClient, contract: Contract) -> None:
    response = api.get(f"/v1/models/no-such-model-{secrets.token_hex(4)}")
    errors.openai_error(response, contract, status=404, code="model_not_found")


@pytest.mark.rule("models_free")
def test_listing_models_needs_no_credits(api: ApiClient, zero_credit_key: str) -> None:
    response = api.get("/v1/models", key=zero_credit_key)
    status_is("models_free", response, 200)
