"""Linkup web search on chat (``web_search_linkup: true``), on every format, plain and streamed: a Sources
footer lists the retrieved sources unless ``disable_formatting`` (or an alias), ``usage.cost`` carries the
per-call price exactly once (D-95 – D-97).

Models are those whose ``/v1/models`` entry lists ``web_search_linkup`` (found by discovery, never named
here), one per provider. That the latest user turn was searched and its sources given to the model is read
from the mocks' request logs, so those checks need the mocks' URLs (the self-launched reference has them;
otherwise ``--mock-control``) and skip saying so without them.
"""

from __future__ import annotations

import secrets
from typing import Any

import pytest

from suites.checks import web_search as checks
from suites.client import ApiClient
from suites.discovery import Discovery, lacking, param_names
from suites.drivers import DRIVERS, ChatDriver, Driver, Model, run
from suites.selection import Failures
from suites.upstreams import forwarded

FORMATS = pytest.mark.parametrize("driver", [pytest.param(d, id=name) for name, d in DRIVERS.items()])
STREAM = pytest.mark.parametrize("stream", [False, True], ids=["non-stream", "stream"])
RAW_FLAGS = ("disable_formatting", "raw", "passthrough", "raw_response")
PROMPT = "What changed recently for the lighthouses of Brittany?"
ON: dict[str, Any] = {checks.OPTION: True}


def linkup_models(driver: Driver, discovery: Discovery, api: ApiClient) -> list[Model]:
    """One served model per provider among those that list ``web_search_linkup`` on the driver's endpoint."""
    chosen: dict[str, Model] = {}
    for model in driver.models(discovery):
        if checks.OPTION in param_names(model) and driver.served(api, model):
            chosen.setdefault(str(model.get("owned_by")), model)
    if not chosen:
        pytest.skip(lacking(f"{driver.endpoint} model that lists {checks.OPTION}"))
    return [chosen[k] for k in sorted(chosen)]


@FORMATS
@STREAM
@pytest.mark.rule("linkup_sources_footer")
def test_footer_lists_the_sources(api: ApiClient, discovery: Discovery, driver: Driver, stream: bool) -> None:
    failures = Failures()
    for model in linkup_models(driver, discovery, api):
        with failures.check(model["id"]):
            answer = run(driver, api, driver.body(model, PROMPT, stream=stream, **ON), stream=stream)
            checks.has_footer(answer.text, model["id"])
    failures.raise_any()


@FORMATS
@pytest.mark.rule("linkup_footer_disabled", "linkup_sources_footer")
def test_disable_formatting_drops_the_footer(api: ApiClient, discovery: Discovery, driver: Driver) -> None:
    failures = Failures()
    for model in linkup_models(driver, discovery, api):
        for flag, stream in [*((f, False) for f in RAW_FLAGS), ("disable_formatting", True)]:
            with failures.check(f"{model['id']} {flag}=true{' stream' if stream else ''}"):
                off: dict[str, Any] = {flag: True}
                body = driver.body(model, PROMPT, stream=stream, **ON, **off)
                checks.no_footer(run(driver, api, body, stream=stream).text, flag)
    failures.raise_any()


@STREAM
@pytest.mark.rule("linkup_search_price")
def test_cost_includes_the_search_price_once(api: ApiClient, discovery: Discovery, stream: bool) -> None:
    driver, failures, priced = DRIVERS["chat"], Failures(), 0
    for model in linkup_models(driver, discovery, api):
        fee = checks.search_fee(model)
        if fee is None:
            continue
        priced += 1
        with failures.check(model["id"]):
            body = driver.body(model, PROMPT, stream=stream, **ON)
            answer = run(driver, api, body, stream=stream)
            checks.usage_includes_fee(answer.usage.raw if answer.usage else None, model, body, fee)
    if not priced:
        pytest.skip(lacking(f"chat model that lists {checks.OPTION} with a web-search price row"))
    failures.raise_any()


def _conversation(earlier: str, latest: str) -> list[dict[str, Any]]:
    return [{"role": "user", "content": earlier}, {"role": "assistant", "content": "Noted."},
            {"role": "user", "content": latest}]


@pytest.mark.rule("linkup_latest_turn", "linkup_sources_to_model", "linkup_sources_footer")
def test_latest_user_turn_is_searched_and_given_to_the_model(api: ApiClient, discovery: Discovery) -> None:
    driver: ChatDriver = DRIVERS["chat"]  # type: ignore[assignment]
    failures = Failures()
    for model in linkup_models(driver, discovery, api):
        with failures.check(model["id"]):
            tag = secrets.token_hex(4)
            earlier, latest = f"Tell me about tide tables {tag}", f"Which lighthouses of Brittany are open {tag}"
            body = {**driver.body(model, PROMPT, **ON), "messages": _conversation(earlier, latest)}
            response = driver.create(api, body)
            urls = checks.has_footer(driver.answer(response).text if response.status_code == 200 else "",
                                     model["id"])
            upstream = forwarded(response)
            if upstream is None:
                pytest.skip("the mocks' request logs are unknown (--mock-control): what reached the upstreams "
                            "cannot be seen")
            checks.latest_turn_searched(upstream, latest, earlier)
            checks.sources_given(upstream, urls)
    failures.raise_any()
