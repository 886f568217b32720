"""Routing and per-response basics: unknown paths and methods answer in the error envelope (never a 5xx),
and request ids, when a deployment sends them, identify one request."""

from __future__ import annotations

import pytest

from suites.checks import errors, expect
from suites.client import ApiClient
from suites.contract import Contract


@pytest.mark.rule("unknown_path_404")
def test_unknown_path_is_404_in_envelope(api: ApiClient, contract: Contract) -> None:
    response = api.get("/v1/no-such-endpoint")
    errors.openai_error(response, contract, status=404, type="not_found_error")


@pytest.mark.rule("unknown_path_404")
def test_unknown_path_is_404_without_a_key_too(api: ApiClient, contract: Contract) -> None:
    response = api.get("/v1/no-such-endpoint", auth="none")
    errors.openai_error(response, contract, status=404, type="not_found_error", code="not_found")


@pytest.mark.rule("wrong_method_405")
def test_wrong_method_on_messages_is_405_in_anthropic_envelope(api: ApiClient, contract: Contract) -> None:
    response = api.request("GET", "/v1/messages")
    errors.anthropic_error(response, contract, status=405)


@pytest.mark.rule("wrong_method_405")
def test_wrong_method_is_405_in_envelope(api: ApiClient, contract: Contract) -> None:
    response = api.request("DELETE", "/v1/models")
    errors.openai_error(response, contract, status=405, type="invalid_request_error", code="method_not_allowed")
    allow = response.headers.get("allow", "")
    expect("wrong_method_405", "GET" in allow, "Allow naming GET", allow)


@pytest.mark.rule("request_id_unique")
def test_request_ids_are_unique_when_sent(api: ApiClient) -> None:
    ids = [api.get("/v1/models").headers.get("x-request-id") for _ in range(3)]
    if not any(ids):
        pytest.skip("the deployment sends no x-request-id (optional in the contract)")
    expect("request_id_unique", all(ids) and len(set(ids)) == len(ids), "3 distinct x-request-id values", ids)
