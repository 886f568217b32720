"""Discovery: the listing's shape, ``--model`` pins, bounded probing, and the shared ``/v1/models`` fetch."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from suites import ROOT
from suites.discovery import Discovery, _spread, parse_pins
from suites.launcher import Deployment
from suites.probe import CHAT, MESSAGES, EndpointResult, Listing, entry, probed


def test_pins_parse_by_role_and_refuse_unknown_roles() -> None:
    assert parse_pins("chat=a, tools=b,reasoning=c:1") == {"chat": "a", "tools": "b", "reasoning": "c:1"}
    assert parse_pins(None) == {} and parse_pins("") == {}
    for bad in ("chatty=a", "chat", "chat="):
        with pytest.raises(ValueError, match="bad --model item"):
            parse_pins(bad)


def test_probing_is_spread_over_owners_and_bounded() -> None:
    listed = [{"id": f"{owner}-{i}", "owned_by": owner} for owner in ("a", "b") for i in range(3)]
    assert [e["id"] for e in _spread(listed, 3)] == ["a-0", "b-0", "a-1"]
    assert len(_spread(listed, 100)) == 6
    openai = [{"id": i, "owned_by": "openai"} for i in ("babbage-002", "dall-e-3", "gpt-4o", "text-embedding-3")]
    assert [e["id"] for e in _spread(openai, 2)] == ["gpt-4o", "babbage-002"]


def test_a_probed_entry_reads_like_a_catalog_entry() -> None:
    results = {CHAT: EndpointResult(200, served=True, streams=True, tools=True),
               MESSAGES: EndpointResult(404, served=False)}
    model = entry({"id": "m", "object": "model"}, results, owner="unknown")
    assert model["endpoints"] == [CHAT] and model["available"] and model["owned_by"] == "unknown"
    assert model["capabilities"] == {"streaming": True, "tool_calling": True, "thinking": False}
    discovery = Discovery(models=[model], source="probe", listing=Listing("openai", [{"id": "m"}]))
    assert discovery.tool_models() == [model] and discovery.plain_chat_model() == model
    assert discovery.serving(MESSAGES) == [] and probed(model, MESSAGES) == results[MESSAGES]
    assert "m: /v1/chat/completions served (stream, tools)" in "\n".join(discovery.report())


def test_pins_win_over_discovery() -> None:
    model = {"id": "cat", "owned_by": "x", "endpoints": [CHAT], "available": True, "capabilities": {}}
    pinned = {**model, "id": "pinned", "x-empirio-pinned": "chat"}
    discovery = Discovery(models=[model], pins={"chat": pinned})
    assert discovery.chat_models() == [pinned] and discovery.how("chat") == "option"
    assert discovery.tool_models() == [] and discovery.how("tools") == "catalog"


def test_a_plain_listing_says_which_catalog_fields_it_lacks() -> None:
    listing = Listing("openai", [{"id": "m", "object": "model"}], missing=("endpoints", "available"))
    message = listing.catalog_failure()
    assert "plain OpenAI model list (1 model)" in message and "endpoints, available" in message
    assert "\n" not in message


def test_a_violation_in_the_discovery_fetch_fails_the_listing_test_not_the_first_test(
        pytester: pytest.Pytester, deployment: Deployment, control: httpx.Client, tmp_path: Path) -> None:
    first = "suites/test_chat_basic.py::test_completion_per_provider"
    listing = "suites/test_models.py::test_list_models_conforms"
    control.put("/defects", json={"active": ["list_object_missing"]}).raise_for_status()
    try:
        result = pytester.runpytest_inprocess(
            str(ROOT / first), str(ROOT / listing), f"--rootdir={ROOT}", "-c", str(ROOT / "pyproject.toml"),
            "-p", "no:randomly", f"--base-url={deployment.base_url}", f"--api-key={deployment.api_key}",
            f"--coverage-json={tmp_path / 'coverage.json'}")
    finally:
        control.put("/defects", json={"active": []}).raise_for_status()
    outcomes = {r.nodeid: r.outcome for r in result.reprec.getreports("pytest_runtest_logreport")  # type: ignore[attr-defined]
                if r.when == "call"}
    assert outcomes == {first: "passed", listing: "failed"}, outcomes
    result.stdout.fnmatch_lines(["*discovery: catalog*"])
