"""``POST /v1/embeddings`` (D-78 – D-80) on every embedding model the deployment lists: the answer's shape,
one vector per input in order, the catalog's dimension and ``dimensions``, base64 that decodes to the
float answer, and the documented refusals (unknown model, a chat model, bad input) in the OpenAI envelope,
never sent upstream. Models are found in ``GET /v1/models`` (``endpoints`` listing ``/v1/embeddings``).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from suites import ledger
from suites.checks import embeddings, errors, expect, formats, holds
from suites.checks.chat import no_leaks
from suites.client import ApiClient
from suites.contract import Contract
from suites.discovery import Discovery, param
from suites.plugin import Target
from suites.selection import Failures
from suites.upstreams import not_forwarded

ENDPOINT = "/v1/embeddings"
TEXTS = ("A lighthouse on a rocky shore at dusk.", "Quarterly revenue grew by four percent.",
         "The recipe calls for two cups of flour.")


def _models(discovery: Discovery) -> list[dict[str, Any]]:
    models = discovery.serving(ENDPOINT)
    if not models:
        pytest.skip(discovery.lacks_field("available model serving /v1/embeddings", "endpoints"))
    return models


def _embed(api: ApiClient, model_id: str, value: Any, **extra: Any) -> dict[str, Any]:
    response = api.post(ENDPOINT, json={"model": model_id, "input": value, **extra})
    expect(embeddings.SHAPE, response.status_code == 200, "200", f"{response.status_code}: {response.text[:300]}")
    body: dict[str, Any] = response.json()
    return body


def _native(model: dict[str, Any]) -> int | None:
    declared = (param(model, "dimensions") or {}).get("maximum")
    return declared if isinstance(declared, int) and not isinstance(declared, bool) else None


@pytest.mark.rule(embeddings.SHAPE)
def test_embeddings_answer_shape(api: ApiClient, discovery: Discovery) -> None:
    failures = Failures()
    for model in _models(discovery):
        with failures.check(model["id"]):
            body = _embed(api, model["id"], TEXTS[0])
            embeddings.shaped(body, model["id"], 1)
            embeddings.vectors(body, embeddings.SHAPE)
            no_leaks(str(body).encode())
    failures.raise_any()


@pytest.mark.rule(embeddings.IN_ORDER)
def test_one_vector_per_input_in_order(api: ApiClient, discovery: Discovery) -> None:
    failures = Failures()
    for model in _models(discovery)[:2]:
        with failures.check(model["id"]):
            batch = _embed(api, model["id"], list(TEXTS))
            expect(embeddings.IN_ORDER, len(batch.get("data") or ()) == len(TEXTS), f"{len(TEXTS)} vectors",
                   len(batch.get("data") or ()))
            singles = [embeddings.vectors(_embed(api, model["id"], text), embeddings.IN_ORDER)[0] for text in TEXTS]
            embeddings.in_input_order(batch, singles)
    failures.raise_any()


@pytest.mark.rule(embeddings.DIMENSION, embeddings.DIMENSIONS_PARAM)
def test_dimension_is_the_catalogs_or_the_requested(api: ApiClient, discovery: Discovery) -> None:
    declared = [(m, n) for m in _models(discovery) if (n := _native(m)) is not None]
    if not declared:
        pytest.skip(discovery.lacks_field("embedding model declaring dimensions' maximum", "supported_parameters"))
    failures = Failures()
    for model, native in declared:
        with failures.check(model["id"]):
            full = embeddings.vectors(_embed(api, model["id"], TEXTS[0]), embeddings.DIMENSION)
            expect(embeddings.DIMENSION, len(full[0]) == native, f"{native} values", len(full[0]))
            low = (param(model, "dimensions") or {}).get("minimum")
            asked = max(native // 2, low if isinstance(low, int) else 1)
            cut = embeddings.vectors(_embed(api, model["id"], TEXTS[0], dimensions=asked),
                                     embeddings.DIMENSIONS_PARAM)
            expect(embeddings.DIMENSIONS_PARAM, len(cut[0]) == asked, f"{asked} values (dimensions: {asked})",
                   len(cut[0]))
    failures.raise_any()


@pytest.mark.rule(embeddings.BASE64)
def test_base64_decodes_to_the_float_answer(api: ApiClient, discovery: Discovery) -> None:
    failures = Failures()
    for model in _models(discovery)[:2]:
        with failures.check(model["id"]):
            floats = embeddings.vectors(_embed(api, model["id"], list(TEXTS[:2])), embeddings.BASE64)
            packed = _embed(api, model["id"], list(TEXTS[:2]), encoding_format="base64")
            for i, item in enumerate(packed.get("data") or ()):
                values = embeddings.decoded(item.get("embedding"), f"data[{i}].embedding")
                similarity = embeddings.cosine(values, floats[i]) if i < len(floats) else -1.0
                holds(embeddings.BASE64, len(values) == len(floats[i]) and similarity >= embeddings.SAME,
                      f"data[{i}]: {len(values)} decoded values, cosine {similarity:.4f} to the float answer")
    failures.raise_any()


@pytest.mark.rule("unknown_model_404", "openai_error_envelope", "rejected_by_gateway")
def test_unknown_model_is_404(api: ApiClient, contract: Contract) -> None:
    response = api.post(ENDPOINT, json={"model": "no-such-embedding-model-zz", "input": TEXTS[0]})
    error = errors.openai_error(response, contract, status=404, code="model_not_found")
    holds("unknown_model_404", error.get("param") == "model", f"param should be model, got {error.get('param')!r}")
    not_forwarded(response, "an embeddings request for an unknown model")


@pytest.mark.rule("model_wrong_endpoint", "openai_error_envelope", "rejected_by_gateway")
def test_chat_model_on_embeddings_is_400(api: ApiClient, contract: Contract, discovery: Discovery) -> None:
    chat = [m for m in discovery.chat_models() if ENDPOINT not in (m.get("endpoints") or ())]
    if not chat:
        pytest.skip(discovery.lacks_field("chat model that does not serve /v1/embeddings", "endpoints"))
    response = api.post(ENDPOINT, json={"model": chat[0]["id"], "input": TEXTS[0]})
    error = errors.openai_error(response, contract, status=400, code="model_not_supported_on_endpoint",
                                type="invalid_request_error")
    holds("model_wrong_endpoint", error.get("param") == "model", f"param should be model, got {error.get('param')!r}")
    not_forwarded(response, f"an embeddings request for the chat model {chat[0]['id']}")


BAD_INPUTS: dict[str, Any] = {"empty-string": "", "empty-array": [], "token-array": [101, 2023],
                              "non-string-item": ["ok", 3], "too-many": ["x"] * 2049}


@pytest.mark.rule(embeddings.INPUT_REFUSED, "openai_error_envelope", "rejected_by_gateway")
@pytest.mark.parametrize("case", list(BAD_INPUTS))
def test_bad_input_is_400(api: ApiClient, contract: Contract, discovery: Discovery, case: str) -> None:
    model = _models(discovery)[0]
    response = api.post(ENDPOINT, json={"model": model["id"], "input": BAD_INPUTS[case]})
    if response.status_code != 400:
        holds(embeddings.INPUT_REFUSED, False, f"input {case}: expected 400, got {response.status_code}")
        return
    error = errors.openai_error(response, contract, status=400, type="invalid_request_error")
    param_name = str(error.get("param") or "")
    holds(embeddings.INPUT_REFUSED, param_name.startswith("input"), f"param should name input, got {param_name!r}")
    not_forwarded(response, f"an embeddings request with bad input ({case})")


@pytest.mark.rule("upstream_failure_status", "openai_error_envelope", "no_upstream_leak")
@pytest.mark.parametrize("fault", ["status:500", "malformed:1", "cut:1"])
def test_upstream_failure_is_502(api: ApiClient, contract: Contract, discovery: Discovery,
                                 mock_upstreams: bool, fault: str) -> None:
    """An upstream error, a truncated (unparseable) answer and a dropped connection are each 502."""
    model = _models(discovery)[0]
    response = api.post(ENDPOINT, json={"model": model["id"], "input": f"[[mock:fault={fault}]] {TEXTS[0]}"})
    errors.openai_error(response, contract, status=502, code="upstream_error", type="api_error")
    no_leaks(response.content)
    no_leaks(response.headers)


@pytest.mark.rule("credits_402", "error_code", "openai_error_envelope", "rejected_by_gateway")
def test_insufficient_credits_is_402(api: ApiClient, contract: Contract, discovery: Discovery,
                                     zero_credit_key: str) -> None:
    model = _models(discovery)[0]
    response = api.post(ENDPOINT, json={"model": model["id"], "input": TEXTS[0]}, key=zero_credit_key)
    errors.openai_error(response, contract, status=402, code="insufficient_credits", type="billing_error")
    not_forwarded(response, "an embeddings request of an account without credits")


LONG_TEXT = " ".join(["The keeper climbed the spiral stairs to light the lamp before the storm."] * 40)


@pytest.mark.rule(embeddings.COST)
def test_cost_is_the_listed_token_price(api: ApiClient, discovery: Discovery, target: Target) -> None:
    priced = [m for m in _models(discovery) if ledger.token_prices(m, 1).get("input")]
    if not priced:
        pytest.skip(discovery.lacks_field("embedding model with a per-token input price", "pricing_rows"))
    model = priced[0]
    book = ledger.Ledger(target.balance_url, target.api_key) if target.balance_url else None
    before = book.balance() if book is not None else None
    body = _embed(api, model["id"], LONG_TEXT)
    usage = body.get("usage") or {}
    tokens = usage.get("prompt_tokens")
    expect(embeddings.COST, isinstance(tokens, int) and tokens > 0, "usage.prompt_tokens > 0", usage)
    due = ledger.cost(model, tokens if isinstance(tokens, int) else 0, 0)
    shown = usage.get("cost")
    ok = isinstance(shown, (int, float)) and abs(Decimal(str(shown)) - due) <= Decimal("1e-9") + due / 1000
    expect(embeddings.COST, ok, f"usage.cost {due} for {tokens} prompt tokens", shown)
    if book is not None and before is not None:
        billed = book.billed_since(before)
        expect(embeddings.COST, abs(billed - due) <= Decimal("1e-9"), f"a debit of {due} USD", f"{billed} USD")


HANG_SECONDS = 10


@pytest.mark.rule("upstream_timeout_502", "no_upstream_leak")
def test_hung_upstream_is_502(api: ApiClient, contract: Contract, discovery: Discovery, mock_upstreams: bool) -> None:
    """An embeddings upstream that accepts the request and then says nothing past the gateway's read timeout
    is a 502 ``upstream_error`` (D-11)."""
    model = _models(discovery)[0]
    response = api.post(ENDPOINT, json={"model": model["id"], "input": f"[[mock:fault=hang:{HANG_SECONDS}s]] x"},
                        retry_429=False)
    if response.status_code == 200:
        pytest.skip(f"the deployment waits more than {HANG_SECONDS} s for an upstream (its read timeout is longer)")
    formats.upstream_timeout_502(response)
    error = errors.openai_error(response, contract, status=502)
    expect("upstream_timeout_502", error.get("code") in (None, "upstream_error"), "code upstream_error",
           error.get("code"))
    no_leaks(response.content)
    no_leaks(response.headers)
