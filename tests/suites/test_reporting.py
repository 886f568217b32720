"""Reports: the upstream request-log proof, Allure labels/attachments/environment, the one-line failure
section, the coverage table's findings and alignment, and the Allure 3 HTML read back in a real headless
Chromium (that one skips, naming what is missing, without Debian's chromium or the Allure 3 CLI)."""

from __future__ import annotations

import functools
import http.server
import json
import secrets
import shutil
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from suites import ROOT
from suites.checks import CheckFailure
from suites.client import ApiClient
from suites.contract import load_contract
from suites.exchanges import Exchange
from suites.launcher import Deployment
from suites.recorder import Recorder, coverage_rows, format_table
from suites.transport import ContractTransport
from suites.upstreams import UpstreamLog, not_forwarded

CHAT = "/v1/chat/completions"


def _chat_model(api: ApiClient) -> str:
    models = api.get("/v1/models").json()["data"]
    return next(m["id"] for m in sorted(models, key=lambda m: m["id"])
                if CHAT in m.get("endpoints", ()) and m.get("available") and m.get("owned_by") == "openai")


def test_not_forwarded_tells_a_gateway_rejection_from_an_upstream_one(deployment: Deployment) -> None:
    recorder = Recorder(upstreams=UpstreamLog(list(deployment.upstreams.values())))
    api = ApiClient(deployment.base_url, deployment.api_key, ContractTransport(load_contract(), recorder))
    try:
        model = _chat_model(api)
        rejected = api.post(CHAT, json={"model": f"no-such-model-{secrets.token_hex(4)}",
                                        "messages": [{"role": "user", "content": "hi"}]})
        assert rejected.status_code == 404, rejected.text
        not_forwarded(rejected)
        forwarded = api.post(CHAT, json={"model": model, "messages": [
            {"role": "user", "content": "[[mock:fault=status:400]] Say hello."}]})
        assert forwarded.status_code == 400, forwarded.text
        with pytest.raises(CheckFailure, match=r"rejected_by_gateway.*reached the upstream: 1 upstream request"):
            not_forwarded(forwarded)
    finally:
        api.close()
    unknown = ApiClient(deployment.base_url, deployment.api_key, ContractTransport(load_contract(), Recorder()))
    try:
        not_forwarded(unknown.post(CHAT, json={"model": model, "messages": [
            {"role": "user", "content": "[[mock:fault=status:400]] Say hello."}]}))  # no logs known: checks nothing
    finally:
        unknown.close()


SUITE = '''
import pytest
from suites.rules import RULES, register

if "demo_rule" not in RULES:
    register("demo_rule", "docs:authentication#api-key-format", "a demo rule")


@pytest.mark.rule("demo_rule")
def test_fails_after_a_request(api):
    api.get("/v1/models")
    assert False, "expected the moon, got " + "x" * 300 + " END"


def test_passes(api, discovery):
    api.get("/v1/models")
'''


def _args(deployment: Deployment, tmp_path: Path, *extra: str) -> list[str]:
    return [f"--rootdir={tmp_path}", f"--base-url={deployment.base_url}", f"--api-key={deployment.api_key}",
            f"--coverage-json={tmp_path / 'coverage.json'}", "-p", "no:cacheprovider", *extra]


def _results(directory: Path) -> dict[str, dict[str, Any]]:
    results = [json.loads(p.read_text()) for p in directory.glob("*-result.json")]
    return {r["name"]: r for r in results}


def test_allure_behaviours_attachments_and_environment(pytester: pytest.Pytester, deployment: Deployment,
                                                       tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("COLUMNS", raising=False)
    pytester.makepyfile(test_suite=SUITE)
    pytester.makeconftest("from suites.conftest import discovery  # noqa: F401\n")
    allure_dir = tmp_path / "allure"
    result = pytester.runpytest_inprocess(*_args(deployment, tmp_path), f"--alluredir={allure_dir}")
    result.assert_outcomes(passed=1, failed=1)

    # the failure's whole reason on one line, though the output is no terminal and has no COLUMNS
    reason = "*test_fails_after_a_request: AssertionError: expected the moon, got xxx*xxx END*"
    result.stdout.fnmatch_lines(["*failures, one line each*", reason])

    results = _results(allure_dir)
    failed, passed = results["test_fails_after_a_request"], results["test_passes"]
    labels = {(label["name"], label["value"]) for label in failed["labels"]}
    assert {("epic", "Suite"), ("feature", "test_suite"), ("story", "demo_rule"), ("severity", "normal"),
            ("rule_source", "demo_rule: docs:authentication#api-key-format")} <= labels, labels
    assert {"url": "https://docs.empiriolabs.ai/authentication#api-key-format"}.items() <= failed["links"][0].items()
    assert ("story", "test_passes") in {(label["name"], label["value"]) for label in passed["labels"]}

    attachments = failed["attachments"]
    assert [a["name"] for a in attachments] == ["HTTP 1: GET /v1/models → 200"], attachments
    text = (allure_dir / attachments[0]["source"]).read_text()
    assert f"GET {deployment.base_url}/v1/models" in text and "authorization: Bearer [redacted" in text
    assert deployment.api_key not in text and '"object":' in text and "more bytes)" in text  # cut at 64 KiB
    assert not passed.get("attachments"), "a passing test gets no exchange attachments"

    environment = (allure_dir / "environment.properties").read_text()
    assert f"target = {deployment.base_url}" in environment
    assert "discovery = " in environment and "GET /v1/models" in environment
    assert "rule_profile = " in environment and "harness_version = " in environment


def test_coverage_table_lines_up_and_lists_undocumented_5xx() -> None:
    contract = load_contract()
    recorder = Recorder()
    recorder.status("listModels", 200)
    recorder.status("listModels", 502)  # not documented for listModels: a finding
    recorder.status("createChatCompletion", 500)
    rows = coverage_rows(contract, recorder)
    row = next(r for r in rows if r["operation"] == "listModels")
    assert row["undocumented_5xx"] == {"502": 1} and "502" not in row["statuses"]
    lines = format_table(rows)
    table = lines[: len(rows) + 1]
    width = max(len(r["operation"]) for r in rows)
    assert all(line[width:width + 2] == "  " and line[width + 2] != " " for line in table), table
    starts = {line.index("  ", width + 2) for line in table[1:]}
    assert len(starts) >= 1 and all(line.split()[0] for line in table)
    assert any("findings: 1 undocumented 5xx" in line and "listModels: 502 ×1" in line for line in lines), lines


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
ALLURE = ROOT / "node_modules" / ".bin" / "allure"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]

NEEDS_BROWSER = [
    pytest.mark.skipif(CHROMIUM is None, reason="needs Debian's chromium (apt-get install chromium) to render the report"),
    pytest.mark.skipif(not ALLURE.exists(), reason="needs the Allure 3 CLI (npm install: node_modules/.bin/allure)"),
]


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[Path, str]]:
    """A directory for the HTML report, served over loopback HTTP (the report fetches its data)."""
    html = tmp_path / "html"
    html.mkdir()
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(html))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield html, f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


@NEEDS_BROWSER[0]
@NEEDS_BROWSER[1]
def test_html_report_shows_behaviours_and_exchange_attachments(
    pytester: pytest.Pytester, deployment: Deployment, tmp_path: Path, served: tuple[Path, str]
) -> None:
    pytester.makepyfile(test_suite=SUITE)
    pytester.makeconftest("from suites.conftest import discovery  # noqa: F401\n")
    results = tmp_path / "allure"
    pytester.runpytest_inprocess(*_args(deployment, tmp_path), f"--alluredir={results}").assert_outcomes(
        passed=1, failed=1)
    html, url = served
    subprocess.run([str(ALLURE), "generate", str(results), "--config", str(ROOT / "allurerc.json"), "--output",
                    str(html)], cwd=ROOT, check=True, capture_output=True, timeout=180)

    dom = subprocess.run([str(CHROMIUM), *FLAGS, f"--user-data-dir={tmp_path / 'profile'}",
                          "--virtual-time-budget=8000", "--dump-dom", url],
                         check=True, capture_output=True, text=True, timeout=120).stdout
    for shown in ("EmpirioLabs conformance", "Suite", "test_suite", "demo_rule", "test_passes", "harness_version"):
        assert shown in dom, f"{shown!r} is not in the rendered report"

    failed = [json.loads(p.read_text()) for p in (html / "data" / "test-results").glob("*.json")]
    failed = [r for r in failed if r.get("name") == "test_fails_after_a_request"]
    assert failed, "the failed test is not in the report's data"
    names = json.dumps(failed[0])
    assert "HTTP 1: GET /v1/models" in names, "the failed test's exchange attachment is not in the report"


LEAKING_SUITE = '''
import httpx
from suites.transport import ContractTransport

BODY = {"error": {"message": "upstream api.openai.com failed: req_9f2b6c1d0e4a4b7f8c3d2e1f0a9b8c7d",
                  "type": "api_error", "code": "upstream_error", "param": None}}


def test_wrong_status(contract, recorder):
    transport = ContractTransport(contract, recorder, httpx.MockTransport(lambda r: httpx.Response(500, json=BODY)))
    with httpx.Client(base_url="http://gateway.test", transport=transport) as client:
        response = client.post("/v1/chat/completions", json={"model": "m", "messages": []})
    assert response.status_code == 502, f"expected 502, got {response.status_code}"
'''


def test_a_leak_is_named_even_when_the_test_fails_on_the_status(pytester: pytest.Pytester, tmp_path: Path) -> None:
    pytester.makepyfile(test_suite=LEAKING_SUITE)
    result = pytester.runpytest_inprocess(f"--rootdir={tmp_path}", f"--coverage-json={tmp_path / 'c.json'}",
                                          "-p", "no:cacheprovider")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*failures, one line each*",
                                 ("*test_wrong_status: AssertionError: contract violations in responses this test "
                                 "received (*): createChatCompletion → 500: leak: provider API host in the body*"
                                 "OpenAI request id*the test's own check: AssertionError: expected 502, got 500*")])


class _FixedLog(UpstreamLog):
    def __init__(self, entries: list[dict[str, Any]]) -> None:
        super().__init__(["http://127.0.0.1:9"])
        self.entries = entries

    def received(self) -> list[tuple[str, dict[str, Any]]]:
        return [(self.control_urls[0], e) for e in self.entries]


def test_polls_of_jobs_submitted_earlier_are_not_the_exchanges_forwarding() -> None:
    exchange = Exchange("POST", "http://gw/v1/files/upload", [], b"", started=100.0, answered=101.0)
    earlier_poll = {"method": "GET", "path": "/v1/transcriptions/tr_1", "received_at": 100.5,
                    "job_submitted_at": 90.0}
    new_job_poll = {**earlier_poll, "job_submitted_at": 100.2}
    forwarded_call = {"method": "POST", "path": "/v1/chat/completions", "received_at": 100.7}
    before = {**forwarded_call, "received_at": 99.0}
    log = _FixedLog([earlier_poll, new_job_poll, forwarded_call, before])
    assert [e for _, e in log.during(exchange)] == [new_job_poll, forwarded_call]
