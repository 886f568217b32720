"""``POST /v1/search`` (``createSearch``, D-84–D-86): results in the spec's one envelope for every search
model, the formatted answer and its raw form, the per-call price, and the documented errors — all answered
by the gateway in the OpenAI error envelope, the owed rejections without an upstream call.

Search models are discovered from ``GET /v1/models`` (``endpoints`` listing ``/v1/search``), one per
provider that the deployment serves (a 503 ``model_unavailable`` means not served here). Upstream failures
are injected with the mocks' ``[[mock:...]]`` directives in the query (``--mock-upstreams``).
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from suites.checks import errors
from suites.checks import search as checks
from suites.checks.behaviour import ok_json, param_named
from suites.checks.chat import no_leaks
from suites.client import ApiClient
from suites.contract import Contract
from suites.discovery import Discovery, lacking
from suites.ledger import Ledger
from suites.plugin import Target
from suites.selection import Failures, choose_per_provider, unavailable
from suites.upstreams import not_forwarded

ENDPOINT = "/v1/search"
QUERY = "lighthouses of Brittany"
RAW_FLAGS = ("disable_formatting", "raw", "passthrough", "raw_response")
Model = dict[str, Any]


def search(api: ApiClient, body: dict[str, Any]) -> httpx.Response:
    return api.post(ENDPOINT, json=body)


def _served(api: ApiClient, model: Model) -> bool:
    memo: dict[str, bool] = api.memo.setdefault("served" + ENDPOINT, {})
    if model["id"] not in memo:
        memo[model["id"]] = not unavailable(search(api, {"model": model["id"], "query": QUERY}),
                                            "code", "model_unavailable")
    return memo[model["id"]]


def search_models(discovery: Discovery, api: ApiClient) -> list[Model]:
    """One served ``/v1/search`` model per provider."""
    pool = sorted(discovery.serving(ENDPOINT), key=lambda m: m["id"])
    return choose_per_provider(pool, lambda m: _served(api, m), endpoint=ENDPOINT, what="search model", tries=len(pool))


def _ok(response: httpx.Response) -> Any:
    return ok_json("search_results_listed", response)


@pytest.mark.rule("search_results_listed", "no_upstream_leak")
def test_plain_query_lists_results(api: ApiClient, discovery: Discovery) -> None:
    failures = Failures()
    for model in search_models(discovery, api):
        with failures.check(model["id"]):
            response = search(api, {"model": model["id"], "query": QUERY})
            checks.results_listed(_ok(response), model["id"], QUERY)
            no_leaks(response.content)
            no_leaks(response.headers)
    failures.raise_any()


@pytest.mark.rule("search_result_fields", "search_results_listed", "no_upstream_leak")
def test_results_use_the_spec_names_only(api: ApiClient, discovery: Discovery) -> None:
    failures = Failures()
    for model in search_models(discovery, api):
        with failures.check(model["id"]):
            response = search(api, {"model": model["id"], "query": QUERY, "max_results": 3,
                                    "include_answer": True})
            checks.results_in_spec_names(checks.results_listed(_ok(response), model["id"], QUERY))
            no_leaks(response.content)
    failures.raise_any()


@pytest.mark.rule("search_usage_cost", "search_results_listed")
def test_usage_is_the_catalog_per_call_price(api: ApiClient, discovery: Discovery) -> None:
    failures = Failures()
    for model in search_models(discovery, api):
        rows = model.get("pricing_rows") or []
        for results, depth in ((10, None), (30, None), (10, "advanced")):
            with failures.check(f"{model['id']} max_results={results} search_depth={depth}"):
                extra = {"search_depth": depth} if depth else {}
                body = _ok(search(api, {"model": model["id"], "query": QUERY, "max_results": results, **extra}))
                checks.usage_is_price(body, checks.per_call_price(rows, results=results, premium=depth is not None))
    failures.raise_any()


@pytest.mark.rule("search_billed", "search_usage_cost", "search_results_listed")
def test_search_debits_its_price(api: ApiClient, target: Target, discovery: Discovery, balance_url: str) -> None:
    ledger = Ledger(balance_url, target.api_key)
    model = search_models(discovery, api)[0]
    before = ledger.balance()
    body = _ok(search(api, {"model": model["id"], "query": QUERY}))
    price = checks.per_call_price(model.get("pricing_rows") or [], results=10, premium=False)
    checks.usage_is_price(body, price)
    checks.billed(ledger.billed_since(before), price)


@pytest.mark.rule("search_sources_footer", "disable_formatting", "search_results_listed", "no_upstream_leak")
def test_answers_list_sources_unless_formatting_is_off(api: ApiClient, discovery: Discovery) -> None:
    failures, answered = Failures(), 0
    for model in search_models(discovery, api):
        base = {"model": model["id"], "query": QUERY, "max_results": 3, "include_answer": True}
        body = _ok(search(api, base))
        if not isinstance(body.get("answer"), str):
            continue
        answered += 1
        with failures.check(f"{model['id']} formatted"):
            checks.answer_formatted(body)
        for flag in RAW_FLAGS:
            with failures.check(f"{model['id']} {flag}=true"):
                response = search(api, {**base, flag: True})
                checks.answer_unformatted(_ok(response), flag)
                no_leaks(response.content)
    if not answered:
        pytest.skip(lacking(f"{ENDPOINT} model that answers (answer set)"))
    failures.raise_any()


@pytest.mark.rule("unknown_model_404", "openai_error_envelope", "rejected_by_gateway", "no_upstream_leak")
def test_unknown_model_is_404(api: ApiClient, contract: Contract) -> None:
    response = search(api, {"model": "no-such-search-model-4711", "query": QUERY})
    errors.openai_error(response, contract, status=404, code="model_not_found")
    not_forwarded(response, "a search for an unknown model")
    no_leaks(response.content)


@pytest.mark.rule("model_wrong_endpoint", "openai_error_envelope", "rejected_by_gateway")
def test_chat_model_is_refused(api: ApiClient, contract: Contract, discovery: Discovery) -> None:
    chat = discovery.plain_chat_model()
    if chat is None or ENDPOINT in (chat.get("endpoints") or ()):
        pytest.skip(lacking("chat model that does not list /v1/search"))
    response = search(api, {"model": chat["id"], "query": QUERY})
    errors.openai_error(response, contract, status=400, code="model_not_supported_on_endpoint")
    not_forwarded(response, f"a search sent to the chat model {chat['id']}")


BAD_PARAMS: dict[str, tuple[dict[str, Any], str]] = {
    "max_results-0": ({"max_results": 0}, "max_results"),
    "max_results-101": ({"max_results": 101}, "max_results"),
    "max_results-text": ({"max_results": "ten"}, "max_results"),
    "search_depth-enum": ({"search_depth": "bottomless"}, "search_depth"),
    "include_domains-type": ({"include_domains": "example.com"}, "include_domains"),
    "end_date-format": ({"end_date": "2026-13-40"}, "end_date"),
    "query-empty": ({"query": ""}, "query"),
    "query-blank": ({"query": " \t\n "}, "query"),
    "query-type": ({"query": 42}, "query"),
}


@pytest.mark.parametrize("case", list(BAD_PARAMS))
@pytest.mark.rule("malformed_request_4xx", "openai_error_envelope", "error_param", "rejected_by_gateway")
def test_bad_parameters_are_400(api: ApiClient, contract: Contract, discovery: Discovery, case: str) -> None:
    override, param = BAD_PARAMS[case]
    model = search_models(discovery, api)[0]
    response = search(api, {"model": model["id"], "query": QUERY, **override})
    error = errors.openai_error(response, contract, status=400)
    param_named(error, param)
    not_forwarded(response, f"a search with {case}")


@pytest.mark.rule("malformed_request_4xx", "openai_error_envelope", "rejected_by_gateway")
def test_missing_query_is_400(api: ApiClient, contract: Contract, discovery: Discovery) -> None:
    model = search_models(discovery, api)[0]
    response = search(api, {"model": model["id"]})
    error = errors.openai_error(response, contract, status=400)
    param_named(error, "query")
    not_forwarded(response, "a search without a query")


FAULTS: dict[str, tuple[int, str]] = {
    "status:500": (502, "upstream_error"),
    "status:401": (502, "upstream_error"),
    "status:429": (503, "model_unavailable"),
    "malformed:1": (502, "upstream_error"),
}


@pytest.mark.parametrize("fault", list(FAULTS))
@pytest.mark.rule("upstream_failure_status", "openai_error_envelope", "no_upstream_leak")
def test_upstream_failure_in_the_envelope(api: ApiClient, contract: Contract, discovery: Discovery,
                                          mock_upstreams: bool, fault: str) -> None:
    status, code = FAULTS[fault]
    failures = Failures()
    for model in search_models(discovery, api):
        with failures.check(model["id"]):
            response = search(api, {"model": model["id"], "query": f"[[mock:fault={fault}]] {QUERY}"})
            errors.openai_error(response, contract, status=status, code=code)
            no_leaks(response.content)
            no_leaks(response.headers)
    failures.raise_any()
