"""Every suite check can fail: with each named defect switched on in the reference gateway, the
checks the defect names fail; with none on, the same checks pass.

The suites run in-process (pytester) against one running deployment, selecting only the checks each
defect names, so the cost grows with the number of checks a defect touches, not with the suite size.
The defects (name, rule) come from ``gateway.testing.DEFECTS``; the checks each must fail, from
``tests.defects.CAUGHT_BY``.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from gateway.testing import DEFECTS
from suites import ROOT
from suites.launcher import Deployment, launch
from tests.defects import CAUGHT_BY, NEEDS_INSTANCES


class _Restarter:
    """Restarts the shared deployment's gateway for the suites' restart checks (``pytest_empirio_restart``),
    with the defects that were on still on from its start (start-up recovery is what they break)."""

    def __init__(self, deployment: Deployment) -> None:
        self.deployment = deployment

    def pytest_empirio_restart(self, config: pytest.Config) -> bool:
        active = httpx.get(f"{self.deployment.control_url}/defects", timeout=10).json()["active"]
        self.deployment.restart_gateway(defects=tuple(active))
        httpx.put(f"{self.deployment.control_url}/defects", json={"active": active}, timeout=10).raise_for_status()
        return True


def _run_checks(pytester: pytest.Pytester, deployment: Deployment, node_ids: list[str], tmp: Path) -> pytest.HookRecorder:
    deployment.refill_low_balance()  # the balances checks spend it (D-187)
    return pytester.inline_run(
        *[str(ROOT / node_id.split("::")[0]) + "::" + node_id.split("::", 1)[1] for node_id in node_ids],
        f"--rootdir={ROOT}",
        "-c", str(ROOT / "pyproject.toml"),
        "-q", "-p", "no:randomly",
        "--tb=line",  # only outcomes are read: rendering long tracebacks was a tenth of each run
        f"--base-url={deployment.base_url}",
        f"--api-key={deployment.api_key}",
        f"--second-key={deployment.second_key}",
        f"--revoked-key={deployment.revoked_key}",
        f"--zero-credit-key={deployment.zero_credit_key}",
        f"--rate-limited-key={deployment.rate_limited_key}",
        f"--other-account-key={deployment.other_account_key}",
        f"--limits-key={deployment.limits_key}",
        f"--limits-second-key={deployment.limits_second_key}",
        f"--limits-window={deployment.limits_window}",
        "--mock-upstreams",
        f"--upstream-timeout={deployment.upstream_timeout}",
        f"--slow-client-bound={deployment.slow_client_bound}",
        f"--mock-control={','.join(deployment.upstreams.values())}",
        "--test-hooks",
        f"--balance-url={deployment.balance_url}",
        f"--clock-url={deployment.clock_url}",
        f"--keys-url={deployment.keys_url}",
        f"--low-balance-key={deployment.low_balance_key}",
        f"--run-hook={deployment.control_url}/runs",
        f"--instance-urls={','.join(deployment.instance_urls[1:])}",
        "--rules=all",
        f"--coverage-json={tmp / 'coverage.json'}",
        plugins=[_Restarter(deployment)],
    )


def _outcomes(recorder: pytest.HookRecorder) -> dict[str, str]:
    outcomes: dict[str, str] = {}
    for report in recorder.getreports("pytest_runtest_logreport"):
        if report.failed or report.when == "call" or report.skipped:
            previous = outcomes.get(report.nodeid)
            if previous != "failed":
                outcomes[report.nodeid] = report.outcome
    for report in recorder.getreports("pytest_collectreport"):
        if report.failed:
            outcomes[report.nodeid or "<collection>"] = "collection-error"
    return outcomes


def _matching(outcomes: dict[str, str], node_id: str) -> dict[str, str]:
    return {k: v for k, v in outcomes.items() if k == node_id or k.startswith(node_id + "[")}


@pytest.fixture
def defect_switch(control: httpx.Client) -> Iterator[httpx.Client]:
    yield control
    control.put("/defects", json={"active": []}).raise_for_status()


@contextmanager
def _two_instances(request: pytest.FixtureRequest, defects: tuple[str, ...] = ()) -> Iterator[Deployment]:
    """A fresh reference of two gateway instances on one store and one Redis (its budgets unspent), with
    ``defects`` on in both; the test skips, saying why, when no redis-server can start."""
    started = launch(test_mode=True, instances=2, redis_url=request.getfixturevalue("redis_url"), defects=defects)
    try:
        yield started
    finally:
        started.stop()


@pytest.mark.usefixtures("suite_dependencies")
@pytest.mark.parametrize("name", sorted(DEFECTS))
def test_defect_is_caught(name: str, pytester: pytest.Pytester, deployment: Deployment,
                          defect_switch: httpx.Client, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    defect, caught_by = DEFECTS[name], CAUGHT_BY[name]
    if name in NEEDS_INSTANCES:
        with _two_instances(request, (name,)) as instances:
            outcomes = _outcomes(_run_checks(pytester, instances, list(caught_by), tmp_path))
    else:
        defect_switch.put("/defects", json={"active": [name]}).raise_for_status()
        outcomes = _outcomes(_run_checks(pytester, deployment, list(caught_by), tmp_path))
    for node_id in caught_by:
        seen = _matching(outcomes, node_id)
        assert seen, f"{node_id} did not run (outcomes: {outcomes})"
        assert "failed" in seen.values(), f"defect {name!r} ({defect.breaks}) was not caught by {node_id}: {seen}"


PASS_SHARDS = 4
"""The named checks' run without defects, in this many parts so the test workers share it evenly."""


@pytest.mark.usefixtures("suite_dependencies")
@pytest.mark.parametrize("shard", range(PASS_SHARDS))
def test_named_checks_pass_without_defects(shard: int, pytester: pytest.Pytester, deployment: Deployment,
                                           defect_switch: httpx.Client, tmp_path: Path) -> None:
    defect_switch.put("/defects", json={"active": []}).raise_for_status()
    node_ids = sorted({node_id for name, caught_by in CAUGHT_BY.items() if name not in NEEDS_INSTANCES
                       for node_id in caught_by})[shard::PASS_SHARDS]
    _assert_pass(_outcomes(_run_checks(pytester, deployment, node_ids, tmp_path)), node_ids)


@pytest.mark.usefixtures("suite_dependencies")
def test_instance_checks_pass_without_defects(pytester: pytest.Pytester, tmp_path: Path,
                                              request: pytest.FixtureRequest) -> None:
    """The checks of the defects only several instances show pass on two reference instances on one Redis."""
    node_ids = sorted({node_id for name in NEEDS_INSTANCES for node_id in CAUGHT_BY[name]})
    with _two_instances(request) as instances:
        _assert_pass(_outcomes(_run_checks(pytester, instances, node_ids, tmp_path)), node_ids)


def _assert_pass(outcomes: dict[str, str], node_ids: list[str]) -> None:
    for node_id in node_ids:
        seen = _matching(outcomes, node_id)
        outcomes_seen = set(seen.values())
        ok = "passed" in outcomes_seen and outcomes_seen <= {"passed", "skipped"}
        assert ok, f"{node_id} without any defect: {seen or 'did not run'}"


def test_every_defect_is_caught_by_named_checks() -> None:
    assert set(DEFECTS) == set(CAUGHT_BY)
    assert all(CAUGHT_BY.values()), [name for name, node_ids in CAUGHT_BY.items() if not node_ids]


def test_control_api_reports_defects(control: httpx.Client) -> None:
    body = control.get("/defects").json()
    assert body["active"] == [] and set(body["known"]) == set(DEFECTS)


def test_unknown_defect_is_refused(control: httpx.Client) -> None:
    response = control.put("/defects", json={"active": ["no_such_defect"]})
    assert response.status_code == 400 and "no_such_defect" in response.text


def test_every_suite_test_is_named_by_a_defect() -> None:
    """The converse of the above: no suite test function goes unproven (a check that cannot fail is a defect)."""
    named = {(node_id.split("::")[0], node_id.split("::")[1].split("[")[0])
             for node_ids in CAUGHT_BY.values() for node_id in node_ids}
    unproven = [f"{path.relative_to(ROOT)}::{node.name}"
                for path in sorted((ROOT / "suites").glob("test_*.py"))
                for node in ast.parse(path.read_text()).body
                if isinstance(node, ast.FunctionDef) and node.name.startswith("test_")
                and (str(path.relative_to(ROOT)), node.name) not in named]
    assert not unproven, f"suite tests no named defect proves able to fail: {unproven}"
