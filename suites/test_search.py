"""``POST /v1/search`` (``createSearch``, D-84–D-86): results in the spec's one envelope for every search
model, the formatted answer and its raw form, the per-call price, and the documented errors — all answered
by the gateway in the OpenAI error envelope, the owed rejections without an upstream call.

Search models are discovered from ``GET /v1/models`` (``endpoints`` listing ``/v1/search``), one per
provider that the deployment serves (a 503 ``model_unavailable`` means not served here); the catalog's
``category`` tells detection (GPTZero, D-98) and agent (Manus, D-99) models apart, and a model whose
``pricing_rows`` price input tokens is charged by its usage (Perplexity's chat models, D-100). Upstream
failures are injected with the mocks' ``[[mock:...]]`` directives in the query (``--mock-upstreams``).
"""

from __future__ import annotations

import time
from typing import Any

import httpx
import pytest

from suites.checks import errors, expect, holds
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


OTHER_KINDS = ("detection", "agent")


def search_models(discovery: Discovery, api: ApiClient) -> list[Model]:
    """One served ``/v1/search`` search, answer or research model per provider."""
    pool = sorted((m for m in discovery.serving(ENDPOINT) if m.get("category") not in OTHER_KINDS),
                  key=lambda m: m["id"])
    return choose_per_provider(pool, lambda m: _served(api, m), endpoint=ENDPOINT, what="search model", tries=len(pool))


def kind_models(discovery: Discovery, api: ApiClient, category: str) -> list[Model]:
    """The served ``/v1/search`` models of ``category`` (``detection``, ``agent``)."""
    pool = [m for m in sorted(discovery.serving(ENDPOINT), key=lambda m: m["id"]) if m.get("category") == category]
    served = [m for m in pool if _served(api, m)]
    if not served:
        pytest.skip(lacking(f"served {ENDPOINT} model of category {category}"))
    return served


def metered_models(discovery: Discovery, api: ApiClient) -> list[Model]:
    """Every served ``/v1/search`` model priced per token (D-100)."""
    served = [m for m in sorted(discovery.serving(ENDPOINT), key=lambda m: m["id"])
              if checks.is_metered(m) and _served(api, m)]
    if not served:
        pytest.skip(lacking(f"served {ENDPOINT} model priced per token"))
    return served


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
        if checks.is_metered(model):
            continue
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
    model = next(m for m in search_models(discovery, api) if not checks.is_metered(m))
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


# -- detection (D-98) -----------------------------------------------------------------------------------------

SCANNED = ("The harbour wall is old. Moreover, the tapestry of tides is multifaceted.",
           "Boats float on the grey sea at dawn.")


@pytest.mark.rule("search_detection_verdict", "search_detection_price", "disable_formatting", "no_upstream_leak")
def test_detection_gives_a_verdict_priced_per_word(api: ApiClient, discovery: Discovery) -> None:
    failures = Failures()
    for model in kind_models(discovery, api, "detection"):
        for text in SCANNED:
            request, verdict = {"model": model["id"], "query": text}, None
            with failures.check(f"{model['id']} {text[:20]!r}"):
                response = search(api, request)
                body = ok_json("search_detection_verdict", response)
                verdict = checks.detection_verdict(body, model["id"], text)
                checks.cost_is("search_detection_price", body, checks.expected_cost(model, request, body.get("usage")))
                holds("search_sources_footer", "raw" not in body, "raw is present without disable_formatting")
                no_leaks(response.content)
            with failures.check(f"{model['id']} {text[:20]!r} disable_formatting"):
                raw = ok_json("search_detection_verdict", search(api, {**request, "disable_formatting": True}))
                holds("disable_formatting", isinstance(raw.get("raw"), dict), "disable_formatting gives no raw payload")
                holds("search_detection_verdict", verdict is None or raw.get("detection") == verdict,
                      "the verdict changes with disable_formatting")
    failures.raise_any()


# -- agent tasks (D-99) ---------------------------------------------------------------------------------------

TASK = "compare three lighthouses of Brittany"


def _profiles(model: Model) -> list[str | None]:
    declared = next((p for p in model.get("supported_parameters") or () if p.get("name") == "agent_profile"), None)
    return [None, *((declared or {}).get("enum") or ())]


@pytest.mark.rule("search_task_result", "search_sources_footer", "disable_formatting", "no_upstream_leak")
def test_agent_task_answers_with_its_sources(api: ApiClient, discovery: Discovery) -> None:
    failures = Failures()
    for model in kind_models(discovery, api, "agent"):
        with failures.check(model["id"]):
            response = search(api, {"model": model["id"], "query": TASK})
            body = ok_json("search_task_result", response)
            checks.task_answered(body, model["id"])
            checks.answer_formatted(body)
            no_leaks(response.content)
        with failures.check(f"{model['id']} raw=true"):
            response = search(api, {"model": model["id"], "query": TASK, "raw": True})
            raw = ok_json("search_task_result", response)
            checks.task_answered(raw, model["id"])
            checks.answer_unformatted(raw, "raw")
            no_leaks(response.content)
    failures.raise_any()


@pytest.mark.rule("search_task_price", "search_task_result")
def test_agent_task_costs_its_tier(api: ApiClient, discovery: Discovery) -> None:
    failures = Failures()
    for model in kind_models(discovery, api, "agent"):
        for profile in _profiles(model):
            request = {"model": model["id"], "query": TASK, **({"agent_profile": profile} if profile else {})}
            with failures.check(f"{model['id']} agent_profile={profile}"):
                body = ok_json("search_task_result", search(api, request))
                checks.cost_is("search_task_price", body, checks.expected_cost(model, request, body.get("usage")))
    failures.raise_any()


def _polled(api: ApiClient, accepted: dict[str, Any], remote: bool) -> dict[str, Any]:
    interval, deadline = (2.0 if remote else 0.05), time.monotonic() + 300
    job = accepted
    while job.get("status") not in ("completed", "failed") and time.monotonic() < deadline:
        time.sleep(interval)
        polled = api.get(f"/v1/jobs/{accepted['job_id']}")
        expect("search_task_job", polled.status_code == 200, "200 while polling the task's job", polled.status_code)
        job = polled.json()
    return job


@pytest.mark.rule("search_task_job", "search_task_result", "openai_error_envelope", "error_param")
def test_async_agent_task_is_a_job(api: ApiClient, contract: Contract, discovery: Discovery, target: Target) -> None:
    model = kind_models(discovery, api, "agent")[0]
    response = search(api, {"model": model["id"], "query": TASK, "async": True})
    expect("search_task_job", response.status_code == 202, "202 for async: true",
           f"{response.status_code}: {response.text[:300]}")
    accepted = response.json()
    holds("search_task_job", accepted.get("type") == "agent_task" and accepted.get("status") in ("queued", "running"),
          f"a queued or running agent_task job, got {accepted.get('type')!r} {accepted.get('status')!r}")
    job = _polled(api, accepted, not target.mock_upstreams)
    expect("search_task_job", job.get("status") == "completed", "the job completed", job)
    checks.task_answered(job.get("result"), model["id"])
    plain = search_models(discovery, api)[0]
    refused = search(api, {"model": plain["id"], "query": QUERY, "async": True})
    param_named(errors.openai_error(refused, contract, status=400), "async")


TASK_FAULTS = ("fail", "malformed", "hang")


@pytest.mark.parametrize("outcome", TASK_FAULTS)
@pytest.mark.rule("upstream_failure_status", "openai_error_envelope", "no_upstream_leak")
def test_failed_agent_task_in_the_envelope(api: ApiClient, contract: Contract, discovery: Discovery,
                                           mock_upstreams: bool, target: Target, outcome: str) -> None:
    if outcome == "hang" and target.upstream_timeout is None:
        pytest.skip("a hung agent task is answered at the deployment's job deadline: needs --upstream-timeout "
                    "(a deployment that answers hung upstreams within seconds)")
    model = kind_models(discovery, api, "agent")[0]
    response = search(api, {"model": model["id"], "query": f"[[mock:job={outcome}]] {TASK}"})
    errors.openai_error(response, contract, status=502, code="upstream_error")
    no_leaks(response.content)


# -- Perplexity's chat models: citations and tokens (D-100) ---------------------------------------------------

@pytest.mark.rule("search_citations_listed", "search_sources_footer", "no_upstream_leak")
def test_answers_cite_their_sources(api: ApiClient, discovery: Discovery) -> None:
    failures = Failures()
    for model in metered_models(discovery, api):
        with failures.check(model["id"]):
            response = search(api, {"model": model["id"], "query": QUERY})
            body = _ok(response)
            checks.citations_listed(body)
            checks.answer_formatted(body)
            no_leaks(response.content)
    failures.raise_any()


def _context_sizes(model: Model) -> list[str | None]:
    declared = next((p for p in model.get("supported_parameters") or () if p.get("name") == "search_context_size"),
                    None)
    return [None, *((declared or {}).get("enum") or ())]


@pytest.mark.rule("search_token_price", "search_results_listed")
def test_token_priced_answers_cost_their_usage(api: ApiClient, discovery: Discovery) -> None:
    failures = Failures()
    for model in metered_models(discovery, api):
        for size in _context_sizes(model):
            request = {"model": model["id"], "query": QUERY, **({"search_context_size": size} if size else {})}
            with failures.check(f"{model['id']} search_context_size={size}"):
                checks.usage_is_tokens(_ok(search(api, request)), model, request)
    failures.raise_any()


@pytest.mark.parametrize("kind", ["detection", "agent", "metered"])
@pytest.mark.rule("search_billed", "search_results_listed")
def test_other_kinds_debit_their_price(api: ApiClient, target: Target, discovery: Discovery, balance_url: str,
                                       kind: str) -> None:
    ledger = Ledger(balance_url, target.api_key)
    model = metered_models(discovery, api)[0] if kind == "metered" else kind_models(discovery, api, kind)[0]
    request = {"model": model["id"], "query": SCANNED[0] if kind == "detection" else QUERY}
    before = ledger.balance()
    body = ok_json("search_results_listed", search(api, request))
    checks.billed(ledger.billed_since(before), checks.expected_cost(model, request, body.get("usage")))
