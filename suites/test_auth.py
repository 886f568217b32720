"""Authentication: both key headers, every 401 case, each in its endpoint's envelope."""

from __future__ import annotations

import secrets

import pytest

from suites.checks import errors
from suites.checks.behaviour import status_is
from suites.client import ApiClient
from suites.contract import Contract

PREFIX = "sk-empiriolabs-"
CHAT = {"model": "any", "messages": [{"role": "user", "content": "hi"}]}
MESSAGES = {"model": "any", "max_tokens": 8, "messages": [{"role": "user", "content": "hi"}]}


@pytest.mark.rule("auth_bearer")
def test_bearer_key_authenticates(api: ApiClient) -> None:
    status_is("auth_bearer", api.get("/v1/models"), 200)


@pytest.mark.rule("auth_x_api_key")
def test_x_api_key_header_authenticates(api: ApiClient) -> None:
    status_is("auth_x_api_key", api.get("/v1/models", auth="x-api-key"), 200)


@pytest.mark.rule("auth_conflicting_keys")
def test_conflicting_key_headers_are_401(api: ApiClient, contract: Contract) -> None:
    response = api.get("/v1/models", headers={"x-api-key": PREFIX + secrets.token_urlsafe(32)})
    errors.openai_error(response, contract, status=401, code="invalid_api_key")


@pytest.mark.rule("auth_scheme_case")
def test_bearer_scheme_is_case_insensitive(api: ApiClient) -> None:
    response = api.get("/v1/models", auth="none", headers={"authorization": f"bearer {api.api_key}"})
    status_is("auth_scheme_case", response, 200)


@pytest.mark.parametrize("path,body", [("/v1/models", None), ("/v1/chat/completions", CHAT)], ids=["models", "chat"])
@pytest.mark.rule("auth_missing_key", "error_code", "openai_error_envelope")
def test_missing_key_is_401_missing_api_key(api: ApiClient, contract: Contract, path: str, body: object) -> None:
    response = api.request("POST" if body else "GET", path, auth="none", json=body)
    errors.openai_error(response, contract, status=401, code="missing_api_key", type="authentication_error")


@pytest.mark.rule("auth_invalid_key", "error_code", "openai_error_envelope")
def test_unknown_key_is_401_invalid_api_key(api: ApiClient, contract: Contract) -> None:
    response = api.get("/v1/models", key=PREFIX + secrets.token_urlsafe(32))
    errors.openai_error(response, contract, status=401, code="invalid_api_key", type="authentication_error")


@pytest.mark.rule("auth_key_prefix", "auth_invalid_key")
def test_key_with_wrong_prefix_is_rejected(api: ApiClient, contract: Contract) -> None:
    if not api.api_key.startswith(PREFIX):
        pytest.skip(f"the session key does not use the {PREFIX} prefix")
    response = api.get("/v1/models", key="sk-otherlabs-" + api.api_key[len(PREFIX):])
    errors.openai_error(response, contract, status=401, code="invalid_api_key")


MALFORMED = {
    "prefix-only": PREFIX,
    "overlong": PREFIX + "a" * 5000,
    "inner-space": PREFIX + "abc def",
    "latin1": PREFIX + "caf\u00e9",
    "basic-scheme": None,
}


@pytest.mark.parametrize("case", list(MALFORMED))
@pytest.mark.rule("auth_invalid_key", "error_code")
def test_malformed_keys_are_401(api: ApiClient, contract: Contract, case: str) -> None:
    if case == "basic-scheme":
        headers: dict[str, str | bytes] = {"authorization": "Basic dXNlcjpwYXNz"}
    else:
        headers = {"authorization": f"Bearer {MALFORMED[case]}".encode("latin-1")}
    response = api.get("/v1/models", auth="none", headers=headers)
    errors.no_server_error(response)
    errors.openai_error(response, contract, status=401, type="authentication_error")


@pytest.mark.parametrize("key", ["missing", "invalid"])
@pytest.mark.rule("anthropic_error_envelope", "anthropic_error_type")
def test_messages_auth_error_in_anthropic_envelope(api: ApiClient, contract: Contract, key: str) -> None:
    if key == "missing":
        response = api.post("/v1/messages", auth="none", json=MESSAGES, headers={"anthropic-version": "2023-06-01"})
    else:
        response = api.post("/v1/messages", auth="x-api-key", key=PREFIX + secrets.token_urlsafe(32),
                            json=MESSAGES, headers={"anthropic-version": "2023-06-01"})
    errors.anthropic_error(response, contract, status=401)


@pytest.mark.rule("auth_revoked_key", "error_code")
def test_revoked_key_is_rejected(api: ApiClient, contract: Contract, revoked_key: str) -> None:
    response = api.get("/v1/models", key=revoked_key)
    errors.openai_error(response, contract, status=401, code="invalid_api_key")


@pytest.mark.rule("auth_second_key")
def test_second_key_of_the_account_authenticates(api: ApiClient, second_key: str) -> None:
    status_is("auth_second_key", api.get("/v1/models", key=second_key), 200)
