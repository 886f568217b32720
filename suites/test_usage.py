"""The usage log (``GET /v1/usage``, an extension: D-203, D-204): the calls the suite made, as it made them.

Each call is found by its ``x-request-id`` (the entry's id): a 200 chat completion with its model, endpoint,
status, tokens and cost exactly as the response's ``usage`` said; failed calls with their status; another
account's calls never listed. A deployment answering 404 to ``GET /v1/usage`` has no usage API: the suite
skips, saying so.
"""

from __future__ import annotations

from typing import Any

import pytest

from suites.chat import chat_body, complete, stream_chat
from suites.checks import errors, expect
from suites.checks.accounts import entry_matches_chat
from suites.checks.behaviour import ok_json, param_named
from suites.client import ApiClient
from suites.contract import Contract
from suites.discovery import Discovery

USAGE = "/v1/usage"


@pytest.fixture(scope="module")
def usage_api(api: ApiClient) -> ApiClient:
    """The session's client, once the deployment showed it has a usage log; skips otherwise."""
    if api.get(USAGE, params={"limit": 1}).status_code == 404:
        pytest.skip("the deployment answers 404 for GET /v1/usage: it has no usage API (an extension, D-203)")
    return api


def _entries(api: ApiClient, key: str | None = None, limit: int = 100) -> list[dict[str, Any]]:
    page = ok_json("usage_list_shape", api.get(USAGE, key=key, params={"limit": limit}))
    expect("usage_list_shape", page.get("object") == "list" and isinstance(page.get("data"), list),
           "a list object", page)
    return list(page["data"])


def _entry(api: ApiClient, request_id: str, key: str | None = None, rule: str = "usage_logged") -> dict[str, Any]:
    found = [e for e in _entries(api, key) if e.get("id") == request_id]
    expect(rule, len(found) == 1, f"one entry for request {request_id}", f"{len(found)} found")
    return found[0]


def _model(discovery: Discovery) -> str:
    model = discovery.plain_chat_model()
    if model is None:
        pytest.skip("the deployment lists no chat model")
    return str(model["id"])


@pytest.mark.rule("usage_logged", "usage_cost_is_charge")
def test_a_call_is_logged_as_it_was_answered(usage_api: ApiClient, discovery: Discovery) -> None:
    model = _model(discovery)
    response = complete(usage_api, chat_body(model, max_completion_tokens=16))
    body = ok_json("usage_logged", response)
    entry = _entry(usage_api, response.headers["x-request-id"])
    entry_matches_chat(entry, model=model, usage=body["usage"])


@pytest.mark.rule("usage_logged", "usage_cost_is_charge")
def test_a_stream_is_logged_with_its_final_usage(usage_api: ApiClient, discovery: Discovery) -> None:
    model = _model(discovery)
    result = stream_chat(usage_api, chat_body(model, max_completion_tokens=16, stream=True,
                                              stream_options={"include_usage": True}))
    reported = [p["usage"] for p in result.payloads if "error" not in p and p.get("usage")]
    expect("usage_logged", bool(reported), "a usage chunk (stream_options.include_usage)", result.payloads[-3:])
    entry_matches_chat(_entry(usage_api, result.headers["x-request-id"]), model=model, usage=reported[-1])


@pytest.mark.rule("usage_failures_logged")
def test_failed_calls_are_logged_with_their_status(usage_api: ApiClient, discovery: Discovery) -> None:
    model = _model(discovery)
    refused = complete(usage_api, chat_body(model, temperature="hot"))
    expect("usage_failures_logged", refused.status_code == 400, "a 400 to provoke", refused.status_code)
    entry = _entry(usage_api, refused.headers["x-request-id"], rule="usage_failures_logged")
    expect("usage_failures_logged", entry.get("status") == 400 and entry.get("endpoint") == "/v1/chat/completions",
           "status 400 on /v1/chat/completions", entry)


@pytest.mark.rule("usage_failures_logged")
def test_a_402_is_logged(usage_api: ApiClient, discovery: Discovery, zero_credit_key: str) -> None:
    refused = complete(usage_api, chat_body(_model(discovery)), key=zero_credit_key)
    expect("usage_failures_logged", refused.status_code == 402, "a 402 for the account without credits",
           refused.status_code)
    entry = _entry(usage_api, refused.headers["x-request-id"], key=zero_credit_key, rule="usage_failures_logged")
    expect("usage_failures_logged", entry.get("status") == 402 and entry.get("cost") == 0, "status 402, cost 0", entry)


@pytest.mark.rule("usage_per_account")
def test_another_accounts_calls_are_not_listed(usage_api: ApiClient, other_account_key: str) -> None:
    theirs = usage_api.get("/v1/models", key=other_account_key)
    mine = usage_api.get("/v1/models")
    ok_json("usage_per_account", theirs), ok_json("usage_per_account", mine)
    listed = {e.get("id") for e in _entries(usage_api)}
    expect("usage_per_account", mine.headers["x-request-id"] in listed, "the account's own call listed", listed)
    expect("usage_per_account", theirs.headers["x-request-id"] not in listed,
           "no call of another account listed", theirs.headers["x-request-id"])
    accounts = {e.get("account_id") for e in _entries(usage_api)}
    expect("usage_per_account", len(accounts) == 1, "one account's entries", accounts)
    _entry(usage_api, theirs.headers["x-request-id"], key=other_account_key, rule="usage_per_account")


@pytest.mark.rule("usage_list_shape", "error_param")
def test_usage_pages_and_refuses_bad_parameters(usage_api: ApiClient, contract: Contract) -> None:
    for _ in range(2):
        ok_json("usage_list_shape", usage_api.get("/v1/models"))
    first = ok_json("usage_list_shape", usage_api.get(USAGE, params={"limit": 1}))
    expect("usage_list_shape", len(first["data"]) == 1 and first["has_more"] is True, "one entry and has_more", first)
    second = ok_json("usage_list_shape", usage_api.get(USAGE, params={"limit": 1, "after": first["data"][0]["id"]}))
    expect("usage_list_shape", len(second["data"]) == 1 and second["data"][0]["id"] != first["data"][0]["id"]
           and second["data"][0]["created_at"] <= first["data"][0]["created_at"], "the next, older entry", second)
    for params, status, name in (({"limit": 0}, 400, "limit"), ({"limit": "many"}, 400, "limit"),
                                 ({"after": "req_nope"}, 404, "after")):
        error = errors.openai_error(usage_api.get(USAGE, params=params), contract, status=status)
        param_named(error, name)
