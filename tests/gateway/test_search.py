"""``POST /v1/search`` in process: the prices (D-86, D-98 – D-100), the codec (D-84, D-85, D-102), the route
with stand-in adapters (admission, charge, no upstream call for a rejection; the agent task's job, D-99)."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from gateway.app import create_app
from gateway.catalog import load_catalog
from gateway.config import load_settings
from gateway.errors import InvalidRequest, NotFound
from gateway.formats.search import SearchCodec
from gateway.ir.search import Meter, SearchHit, SearchOutcome, SearchQuery
from gateway.pricing import call_price
from gateway.routes.search import resumer
from gateway.search_pricing import SearchPrice
from gateway.security import digest, new_key
from gateway.upstreams.search.base import scrubbed
from gateway.upstreams.search.perplexity_chat import without_thinking
from tests.blocking import blocking

CATALOG = load_catalog(load_settings(env={}).catalog_path)
HITS = (SearchHit("One", "https://example.com/1", snippet="s1"), SearchHit("Two", "https://example.org/2"))


def rows(model_id: str) -> list[dict[str, object]]:
    model = CATALOG.get(model_id)
    assert model is not None
    return list(model.public["pricing_rows"])


@pytest.mark.parametrize(("model", "results", "premium", "usd"), [
    ("exa-search", 10, False, "0.0060"),
    ("exa-search", 30, False, "0.030"),
    ("tavily-research", 10, False, "1.19"),
    ("tavily-research", 10, True, "2.75"),
    ("linkup-standard", 100, True, "0.013"),
    ("perplexity-search", 5, False, "0.0060"),
])
def test_call_price_selects_the_row(model: str, results: int, premium: bool, usd: str) -> None:
    assert call_price(rows(model), results=results, premium=premium).usd == Decimal(usd)


def test_call_price_without_a_per_call_row_is_free() -> None:
    assert call_price([{"unit": "token", "per": 1000, "rate_usd": "1", "direction": "input"}], results=1,
                      premium=False).usd == 0


def decode(body: dict[str, object]) -> SearchQuery:
    return SearchCodec().decode(json.dumps(body).encode(), CATALOG)


def test_decode_checks_schema_model_and_parameters() -> None:
    query = decode({"model": "exa-search", "query": "q", "max_results": 3, "include_domains": ["a.test"],
                    "raw_response": True})
    assert (query.max_results, query.include_domains, query.raw) == (3, ("a.test",), True)
    with pytest.raises(NotFound):
        decode({"model": "no-such", "query": "q"})
    with pytest.raises(InvalidRequest) as wrong:
        decode({"model": "qwen3-max", "query": "q"})
    assert wrong.value.code == "model_not_supported_on_endpoint"
    for bad, param in (({"max_results": 101}, "max_results"), ({"search_depth": "x"}, "search_depth"),
                       ({"query": ""}, "query"), ({"start_date": "2026-02-30"}, "start_date"),
                       ({"end_date": "yesterday"}, "end_date")):
        with pytest.raises(InvalidRequest) as error:
            decode({"model": "exa-search", "query": "q", **bad})
        assert error.value.param == param


@pytest.mark.parametrize("flag", ["disable_formatting", "raw", "passthrough", "raw_response"])
def test_formatting_off_keeps_the_upstream_answer_and_shows_raw(flag: str) -> None:
    codec = SearchCodec()
    outcome = SearchOutcome(HITS, "An answer.", {"answer": "An answer."})
    price = codec.price(decode({"model": "exa-answer", "query": "q"}), outcome)
    formatted = codec.encode(decode({"model": "exa-answer", "query": "q"}), outcome, price)
    assert formatted["answer"].startswith("An answer.\n\n**Sources**\n1. [One](https://example.com/1)")
    assert "raw" not in formatted and formatted["citations"] == [h.url for h in HITS]
    plain = codec.encode(decode({"model": "exa-answer", "query": "q", flag: True}), outcome, price)
    assert plain["answer"] == "An answer." and plain["raw"] == {"answer": "An answer."}
    assert plain["usage"] == {"cost": 0.01, "unit": "request", "quantity": 1}


def test_scrubbed_drops_what_names_the_upstream_call() -> None:
    assert scrubbed({"requestId": "req_x", "request_id": "r", "id": "i", "costDollars": {}, "results": [],
                     "scanId": "s", "usage": {}, "credit_usage": 1, "metadata": {"task_url": "u"}}) == {"results": []}


def price_of(body: dict[str, object], meter: Meter | None = None) -> SearchPrice:
    return SearchCodec().price(decode(body), SearchOutcome((), None, meter=meter or Meter()))


def test_detection_is_priced_per_word() -> None:
    price = price_of({"model": "gptzero", "query": "one two  three\nfour"})
    assert (price.usd, price.unit, price.quantity) == (Decimal("0.39") * 4 / 1000, "custom", 4)


@pytest.mark.parametrize(("profile", "usd"), [(None, "2.89"), ("manus-1.6-lite", "1.44"), ("manus-1.6-max", "5.25")])
def test_task_price_is_the_selected_tier(profile: str | None, usd: str) -> None:
    extra = {"agent_profile": profile} if profile else {}
    price = price_of({"model": "manus", "query": "q", **extra})
    assert (price.usd, price.unit, price.quantity) == (Decimal(usd), "request", 1)


def test_perplexity_is_priced_by_base_fee_tokens_and_calls() -> None:
    meter = Meter(input_tokens=100, output_tokens=50, reasoning_tokens=30, citation_tokens=20, search_queries=3)
    sonar = price_of({"model": "perplexity-sonar", "query": "q", "search_context_size": "medium"}, meter)
    assert sonar.usd == Decimal("0.019") + Decimal("0.0024") * 150 / 1000
    assert sonar.counts["input_tokens"] == 100 and sonar.unit == "token" and sonar.quantity == 150
    deep = price_of({"model": "perplexity-deep-research", "query": "q"}, meter)
    assert deep.usd == (Decimal("0.0048") * 100 + Decimal("0.019") * 50 + Decimal("0.0048") * 20
                        + Decimal("0.0072") * 30) / 1000 + Decimal("0.012") * 3
    adv = price_of({"model": "perplexity-adv-deep-research", "query": "q"}, dataclasses.replace(meter, url_fetches=2))
    assert adv.usd == (Decimal("0.012") * 100 + Decimal("0.060") * 50) / 1000 + Decimal("0.012") * 3 + \
        Decimal("0.0012") * 2


class FakeAdapter:
    def __init__(self) -> None:
        self.calls: list[SearchQuery] = []

    async def search(self, query: SearchQuery) -> SearchOutcome:
        self.calls.append(query)
        return SearchOutcome(HITS, None, {"results": []})


@dataclasses.dataclass
class Served:
    client: TestClient
    auth: dict[str, str]
    fake: FakeAdapter
    store: Any
    account_id: str


@pytest.fixture()
def served(tmp_path: Path) -> Iterator[Served]:
    app = create_app(dataclasses.replace(load_settings(env={}), db_path=tmp_path / "g.db"))
    state = app.state.gateway
    fake = FakeAdapter()
    state.searches = {name: fake for name in state.searches}
    store = blocking(state.store)
    account = store.create_account("acme", 10**12)
    key = new_key()
    store.add_key(account.id, digest(key, store.pepper()), "k")
    with TestClient(app, raise_server_exceptions=False) as client:
        yield Served(client, {"authorization": f"Bearer {key}"}, fake, store, account.id)


def test_route_answers_and_charges_the_call(served: Served) -> None:
    before = served.store.get_account(served.account_id).balance_nano
    reply = served.client.post("/v1/search", json={"model": "exa-search", "query": "q"}, headers=served.auth)
    assert reply.status_code == 200, reply.text
    body = reply.json()
    assert body["id"].startswith("search_") and body["object"] == "search.result" and body["model"] == "exa-search"
    assert [r["url"] for r in body["results"]] == [h.url for h in HITS]
    assert before - served.store.get_account(served.account_id).balance_nano == 6_000_000
    assert len(served.fake.calls) == 1


@pytest.mark.parametrize(("body", "status", "code"), [
    ({"model": "exa-search", "query": "q", "async": True}, 400, "unsupported_parameter"),
    ({"model": "perplexity-sonar", "query": "q", "search_context_size": "huge"}, 400, "invalid_parameter"),
    ({"model": "manus", "query": "q", "agent_profile": "manus-9"}, 400, "invalid_parameter"),
    ({"model": "claude-3-opus-20240229", "query": "q"}, 404, "model_not_found"),
    ({"model": "qwen3-max", "query": "q"}, 400, "model_not_supported_on_endpoint"),
    ({"query": "q"}, 400, "missing_parameter"),
])
def test_route_refuses_without_an_upstream_call(served: Served, body: dict[str, str], status: int, code: str) -> None:
    reply = served.client.post("/v1/search", json=body, headers=served.auth)
    assert (reply.status_code, reply.json()["error"]["code"]) == (status, code)
    assert served.fake.calls == []


class FakeTask:
    def __init__(self) -> None:
        self.submitted: list[SearchQuery] = []
        self.finished: list[str] = []

    async def submit(self, query: SearchQuery) -> str:
        self.submitted.append(query)
        return "task_1"

    async def finish(self, query: SearchQuery, ref: str, interval: float, progress: Any = None) -> SearchOutcome:
        self.finished.append(ref)
        return SearchOutcome(HITS, "Done.", {"output": []})


@pytest.fixture()
def tasked(served: Served) -> tuple[Served, FakeTask]:
    fake = FakeTask()
    served.client.app.state.gateway.search_tasks = {"manus-1.6": fake}  # type: ignore[attr-defined]
    return served, fake


def test_agent_task_waits_for_its_job_and_charges_the_tier(tasked: tuple[Served, FakeTask]) -> None:
    served, fake = tasked
    before = served.store.get_account(served.account_id).balance_nano
    reply = served.client.post("/v1/search", json={"model": "manus", "query": "q", "agent_profile": "manus-1.6-max"},
                               headers=served.auth)
    assert reply.status_code == 200, reply.text
    body = reply.json()
    assert body["answer"].startswith("Done.\n\n**Sources**") and body["citations"] == [h.url for h in HITS]
    assert body["usage"] == {"cost": 5.25, "unit": "request", "quantity": 1}
    assert before - served.store.get_account(served.account_id).balance_nano == 5_250_000_000
    assert fake.submitted[0].values["agent_profile"] == "manus-1.6-max" and fake.finished == ["task_1"]


def test_async_agent_task_is_accepted_and_resumable(tasked: tuple[Served, FakeTask]) -> None:
    served, _ = tasked
    reply = served.client.post("/v1/search", json={"model": "manus", "query": "q", "async": True}, headers=served.auth)
    assert reply.status_code == 202, reply.text
    accepted = reply.json()
    assert accepted["type"] == "agent_task" and accepted["polling_url"].endswith(accepted["job_id"])
    state = served.client.app.state.gateway  # type: ignore[attr-defined]
    record = blocking(state.jobs.jobs).get(served.account_id, accepted["job_id"], int(state.clock.now()))
    assert record is not None and record.params["request"] == {"model": "manus", "query": "q",
                                                               "agent_profile": "manus-1.6", "disable_formatting": False}
    work = resumer(state)(dataclasses.replace(record, upstream_ref="task_9", status="running"))
    assert work is not None
    assert resumer(state)(dataclasses.replace(record, params={"request": {"model": "no-such"}})) is None


def test_perplexity_answer_drops_its_thinking_unless_raw() -> None:
    assert without_thinking("<think>hmm\nyes</think>\nThe answer.") == "The answer."
    codec = SearchCodec()
    outcome = SearchOutcome(HITS, "<think>x</think> A.", citations=("https://cited.test/1",),
                            formatted_answer="A.")
    query = decode({"model": "perplexity-sonar", "query": "q"})
    body = codec.encode(query, outcome, codec.price(query, outcome))
    assert body["answer"].startswith("A.\n\n**Sources**") and body["citations"] == ["https://cited.test/1"]
    raw = decode({"model": "perplexity-sonar", "query": "q", "raw": True})
    assert codec.encode(raw, outcome, codec.price(raw, outcome))["answer"] == "<think>x</think> A."
