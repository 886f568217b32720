"""The suites against deployments that are not the reference: a mock provider served directly as if it
were a gateway, its ``GET /v1/models`` a plain OpenAI or Anthropic list without EmpirioLabs' catalog fields.

The generation suites must execute on the models probing found (pass or fail on their merits), the
catalog checks fail with one clear message, nothing errors inside the harness, and every skip names
what it lacks and is reported at the test.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest

from gateway.config import FAMILIES
from suites import ROOT
from suites.launcher import free_ports

CHAT_SUITES = ("suites/test_chat_basic.py", "suites/test_chat_stream.py", "suites/test_chat_tools.py")
MESSAGES_SUITES = ("suites/test_messages.py", "suites/test_messages_stream.py", "suites/test_messages_tools.py")
CATALOG = "suites/test_models.py"
CATALOG_MESSAGE = "lack the EmpirioLabs catalog fields"
HARNESS_ERRORS = re.compile(r"^(KeyError|TypeError|AttributeError|IndexError|NameError|ValueError|"
                            r"UnboundLocalError|ZeroDivisionError|RecursionError|httpx\.)")
NAMES_WHAT_IT_LACKS = re.compile(r"--[a-z]|needs |lists no |among the probed models")
DECISION_SKIP = re.compile(r"^Skipped: decision rule")
"""Under the default ``--rules documented`` (any --base-url), tests of our decisions only skip naming them."""


def _decision_skip(report: pytest.TestReport) -> bool:
    return bool(report.skipped and DECISION_SKIP.match(str(report.longrepr[2])))  # type: ignore[index]


@pytest.fixture(scope="module")
def plain_mocks(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """The mock providers on free ports, each to be addressed directly as a deployment."""
    ports = dict(zip(FAMILIES, free_ports(len(FAMILIES)), strict=True))
    log = tmp_path_factory.mktemp("plain") / "mocks.log"
    with log.open("wb") as sink:
        process = subprocess.Popen([sys.executable, "-m", "mocks", "serve", *(f"--port={f}={p}" for f, p in ports.items())],
                                   cwd=ROOT, stdout=sink, stderr=subprocess.STDOUT,
                                   env={**os.environ, "PYTHONUNBUFFERED": "1"})
    urls = {f: f"http://127.0.0.1:{p}" for f, p in ports.items()}
    try:
        deadline = time.monotonic() + 20
        for url in (urls["openai"], urls["anthropic"]):
            while True:
                try:
                    if httpx.get(f"{url}/health", timeout=0.5).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                assert process.poll() is None and time.monotonic() < deadline, log.read_text()[-2000:]
                time.sleep(0.05)
        yield urls
    finally:
        process.terminate()
        process.wait(timeout=10)


def _run(pytester: pytest.Pytester, base_url: str, files: tuple[str, ...], *extra: str) -> pytest.RunResult:
    return pytester.runpytest_inprocess(
        *(str(ROOT / f) for f in files), f"--rootdir={ROOT}", "-c", str(ROOT / "pyproject.toml"),
        "-p", "no:randomly", "-rs", f"--base-url={base_url}", "--api-key=sk-plain-deployment",
        f"--coverage-json={pytester.path / 'coverage.json'}", *extra)


def _reports(result: pytest.RunResult) -> list[pytest.TestReport]:
    return list(result.reprec.getreports("pytest_runtest_logreport"))  # type: ignore[attr-defined]


def _assert_sound(result: pytest.RunResult) -> None:
    """No collection or fixture error, no harness exception, every skip reported at its test with a reason
    naming what it lacks."""
    collect_failures = [r for r in result.reprec.getreports("pytest_collectreport") if r.failed]  # type: ignore[attr-defined]
    assert not collect_failures, collect_failures
    reports = _reports(result)
    errors = [r.nodeid for r in reports if r.failed and r.when != "call"]
    assert not errors, f"errors outside the test bodies: {errors}"
    crashes = [(r.nodeid, r.longrepr.reprcrash.message) for r in reports if r.failed  # type: ignore[union-attr]
               and HARNESS_ERRORS.match(r.longrepr.reprcrash.message)]  # type: ignore[union-attr]
    assert not crashes, f"exceptions inside the harness: {crashes[:5]}"
    for r in reports:
        if r.skipped:
            path, _, reason = r.longrepr  # type: ignore[misc]
            assert path == str(ROOT / r.nodeid.split("::")[0]), f"{r.nodeid} skipped at {path}, not at the test"
            assert NAMES_WHAT_IT_LACKS.search(reason), f"{r.nodeid}: skip reason names nothing lacking: {reason!r}"


def _executed(result: pytest.RunResult, files: tuple[str, ...]) -> dict[str, tuple[int, int]]:
    """Per suite file: (tests that ran their body, tests that skipped for want of a capability or option;
    skips of decision-only tests under the rule profile do not count)."""
    counts = {f: [0, 0] for f in files}
    for r in _reports(result):
        f = r.nodeid.split("::")[0]
        if f in counts and r.when == "call":
            counts[f][0] += 1
        elif f in counts and r.skipped and not _decision_skip(r):
            counts[f][1] += 1
    return {f: (ran, skipped) for f, (ran, skipped) in counts.items()}


def _catalog_checks_fail_clearly(result: pytest.RunResult) -> None:
    failed = {r.nodeid: str(r.longrepr) for r in _reports(result) if r.failed}
    listing = failed.get(f"{CATALOG}::test_list_models_conforms", "")
    assert CATALOG_MESSAGE in listing and "pricing_rows" in listing, listing[:500]
    assert len(listing.strip().splitlines()) == 1, f"not one line: {listing[:500]}"


def test_suites_run_against_the_openai_mock_as_a_plain_deployment(pytester: pytest.Pytester,
                                                                  plain_mocks: dict[str, str]) -> None:
    started = time.monotonic()
    result = _run(pytester, plain_mocks["openai"], (*CHAT_SUITES, CATALOG), "--mock-upstreams")
    _assert_sound(result)
    for suite, (ran, skipped) in _executed(result, CHAT_SUITES).items():
        assert ran and ran >= 3 * skipped, f"{suite}: {ran} ran, {skipped} skipped"
    _catalog_checks_fail_clearly(result)
    result.stdout.fnmatch_lines(["*discovery: probe*plain OpenAI model list (3 models)*",
                                 "*chat*[[]probe[]] 3: gpt-4.1, gpt-4.1-mini, gpt-4o-mini*"])
    result.stdout.fnmatch_lines(["*empirio discovery*", "*probe requests: *",
                                 "*--mock-upstreams: a probe on /v1/chat/completions confirmed*"])
    outcomes = result.parseoutcomes()
    print(f"openai mock: {outcomes} in {time.monotonic() - started:.1f}s")


def test_suites_run_against_the_anthropic_mock_as_a_plain_deployment(pytester: pytest.Pytester,
                                                                     plain_mocks: dict[str, str]) -> None:
    started = time.monotonic()
    result = _run(pytester, plain_mocks["anthropic"], (*MESSAGES_SUITES, CATALOG, "suites/test_chat_basic.py"),
                  "--mock-upstreams")
    _assert_sound(result)
    for suite, (ran, skipped) in _executed(result, MESSAGES_SUITES).items():
        assert ran and ran >= 2 * skipped, f"{suite}: {ran} ran, {skipped} skipped"
    _catalog_checks_fail_clearly(result)
    chat = [r for r in _reports(result) if r.nodeid.startswith("suites/test_chat_basic.py") and r.skipped
            and not _decision_skip(r)]
    assert chat and all("chat" in r.longrepr[2] and "among the probed models" in r.longrepr[2]  # type: ignore[index]
                        for r in chat), [r.longrepr for r in chat][:3]
    result.stdout.fnmatch_lines(["*discovery: probe*plain Anthropic model list (2 models)*",
                                 "*messages*[[]probe[]] 2: claude-haiku-4-5, claude-sonnet-4-5*"])
    print(f"anthropic mock: {result.parseoutcomes()} in {time.monotonic() - started:.1f}s")


def test_model_pins_win_and_the_probe_limit_bounds_probing(pytester: pytest.Pytester,
                                                           plain_mocks: dict[str, str]) -> None:
    result = _run(pytester, plain_mocks["openai"], ("suites/test_chat_basic.py",), "--probe-limit=1",
                  "--model=chat=gpt-4o-mini,tools=gpt-4.1-mini")
    _assert_sound(result)
    result.stdout.fnmatch_lines(["*1 of 3 listed models probed (--probe-limit 1)*",
                                 "*chat*[[]option[]] 1: gpt-4o-mini*", "*tools*[[]option[]] 1: gpt-4.1-mini*"])
    bodies = [r for r in _reports(result) if r.when == "call"]
    assert bodies, "no chat test ran on the pinned model"


def test_a_bad_model_pin_is_a_usage_error(pytester: pytest.Pytester, plain_mocks: dict[str, str]) -> None:
    result = _run(pytester, plain_mocks["openai"], ("suites/test_chat_basic.py",), "--model=chatty=x")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*bad --model item 'chatty=x'*"])


class _Indifferent(BaseHTTPRequestHandler):
    """A deployment whose one model answers every chat request the same way: ``[[mock:...]]`` directives
    have no effect on it."""

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _json(self, status: int, body: Any) -> None:
        raw = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)

    def do_GET(self) -> None:
        if self.path.startswith("/v1/models"):
            self._json(200, {"object": "list", "data": [{"id": "same-1", "object": "model", "created": 0,
                                                         "owned_by": "same"}]})
        else:
            self.do_POST()

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("content-length") or 0))
        if self.path != "/v1/chat/completions":
            self._json(404, {"error": {"message": "no such path", "type": "invalid_request_error",
                                       "param": None, "code": "not_found"}})
            return
        self._json(200, {"id": "chatcmpl-1", "object": "chat.completion", "created": 0, "model": "same-1",
                         "choices": [{"index": 0, "message": {"role": "assistant", "content": "Hello."},
                                      "finish_reason": "stop"}],
                         "usage": {"prompt_tokens": 5, "completion_tokens": 2, "total_tokens": 7}})


@pytest.fixture
def indifferent_deployment() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Indifferent)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_flags_say_they_do_nothing_where_they_have_no_effect(pytester: pytest.Pytester,
                                                             indifferent_deployment: str) -> None:
    result = _run(pytester, indifferent_deployment, ("suites/test_chat_errors.py",), "--mock-upstreams",
                  "--test-hooks", "--rules=all", "-k", "upstream or fault or midstream or internal")
    _assert_sound(result)
    result.stdout.fnmatch_lines(["*--mock-upstreams does nothing for this deployment: a probe showed*has no effect*"])
    result.stdout.fnmatch_lines(["*--test-hooks does nothing for this deployment: a probe showed x-empirio-test*"])
    skipped = [r.longrepr[2] for r in _reports(result) if r.skipped and not _decision_skip(r)]  # type: ignore[index]
    assert len(skipped) > 3 and all("was given but does nothing" in reason for reason in skipped), skipped
    assert any("--test-hooks was given" in reason for reason in skipped), skipped
