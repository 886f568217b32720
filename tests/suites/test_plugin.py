"""The harness plugin itself, exercised with pytester against the reference deployment."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from suites.launcher import Deployment

SUITE = """
def test_list(api):
    api.get("/v1/models")

def test_needs_second_key(second_key):
    pass
"""


def _args(deployment: Deployment, tmp_path: Path, *extra: str) -> list[str]:
    return [f"--rootdir={tmp_path}", f"--base-url={deployment.base_url}", f"--api-key={deployment.api_key}",
            f"--coverage-json={tmp_path / 'coverage.json'}", "-p", "no:cacheprovider", *extra]


def test_operator_checks_skip_naming_their_option(pytester: pytest.Pytester, deployment: Deployment, tmp_path: Path) -> None:
    pytester.makepyfile(test_suite=SUITE)
    result = pytester.runpytest_inprocess(*_args(deployment, tmp_path), "-rs")
    result.assert_outcomes(passed=1, skipped=1)
    result.stdout.fnmatch_lines(["*needs --second-key (or EMPIRIO_SECOND_KEY)*"])
    result.stdout.fnmatch_lines([f"empirio target: {deployment.base_url}"])


def test_contract_violation_fails_a_test_that_asserts_nothing(
    pytester: pytest.Pytester, deployment: Deployment, control: httpx.Client, tmp_path: Path
) -> None:
    pytester.makepyfile(test_suite=SUITE)
    control.put("/defects", json={"active": ["list_object_missing"]}).raise_for_status()
    try:
        result = pytester.runpytest_inprocess(*_args(deployment, tmp_path), "-k", "test_list")
    finally:
        control.put("/defects", json={"active": []}).raise_for_status()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*contract violations*", "*listModels*200*object*required*"])


def test_coverage_report_and_threshold(pytester: pytest.Pytester, deployment: Deployment, tmp_path: Path) -> None:
    pytester.makepyfile(test_suite=SUITE)
    result = pytester.runpytest_inprocess(*_args(deployment, tmp_path), "-k", "test_list", "--min-coverage=100")
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(["*spec coverage*", "*listModels*", "*below --min-coverage 100.0%*"])
    report = json.loads((tmp_path / "coverage.json").read_text())
    row = next(r for r in report["operations"] if r["operation"] == "listModels")
    assert row["statuses"]["200"] == 1 and 0 < report["percent"] < 100
    passing = pytester.runpytest_inprocess(*_args(deployment, tmp_path), "-k", "test_list", "--min-coverage=0.1")
    assert passing.ret == pytest.ExitCode.OK


def test_base_url_without_key_is_a_usage_error(pytester: pytest.Pytester, tmp_path: Path) -> None:
    pytester.makepyfile(test_suite=SUITE)
    result = pytester.runpytest_inprocess(f"--rootdir={tmp_path}", "--base-url=http://127.0.0.1:9", "-k", "test_list")
    assert result.ret != pytest.ExitCode.OK

