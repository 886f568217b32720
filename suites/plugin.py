"""The pytest plugin (entry point ``empirio``): which deployment, which keys, and the contract.

Options (each also an ini key ``empirio_<name>`` and an environment variable):

    --base-url         EMPIRIO_BASE_URL         the deployment; absent → start the reference locally
    --api-key          EMPIRIO_API_KEY          a funded key
    --second-key       EMPIRIO_SECOND_KEY       another key of the same account
    --revoked-key      EMPIRIO_REVOKED_KEY      a key that was revoked
    --zero-credit-key  EMPIRIO_ZERO_CREDIT_KEY  a key of an account with no credits
    --rate-limited-key EMPIRIO_RATE_LIMITED_KEY a key of an account limited to 1 request per minute
    --mock-upstreams   EMPIRIO_MOCK_UPSTREAMS=1 (flag) the upstreams are this project's mocks
    --test-hooks       EMPIRIO_TEST_HOOKS=1     (flag) the deployment honours ``x-empirio-test``
    --min-coverage     EMPIRIO_MIN_COVERAGE     fail the session below this spec-coverage percent
    --coverage-json    EMPIRIO_COVERAGE_JSON    where to write the coverage report
    --rules            EMPIRIO_RULES            ``documented`` (docs and upstream-API rules) or ``all`` (adds
                                                our decisions); default ``all`` against the self-launched
                                                reference, ``documented`` against any --base-url

Every suite test declares the rules it checks (``@pytest.mark.rule``, :mod:`suites.rules`); a suite
test without one is a collection error, and under ``--rules documented`` a test whose rules are all
decisions is skipped naming them.

Every response any suite receives passes through :class:`suites.transport.ContractTransport`; a test
that received a response breaking the contract fails, whatever it asserted itself.
"""

from __future__ import annotations

import importlib
import os
import pkgutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

import suites.checks
from suites import ROOT
from suites import rules as rule_registry
from suites.client import ApiClient
from suites.contract import Contract, load_contract
from suites.recorder import Recorder, coverage_percent, coverage_rows, format_table, write_coverage
from suites.rules import PROFILES, Profile, decision_skip_reason, rules_of
from suites.transport import ContractTransport

__all__ = ["Target"]

_OPTIONS: dict[str, str] = {
    "base_url": "the deployment's base URL (default: start the reference gateway and mocks locally)",
    "api_key": "an API key with credits",
    "second_key": "a second API key of the same account",
    "revoked_key": "an API key that has been revoked",
    "zero_credit_key": "an API key of an account with no credits",
    "rate_limited_key": "an API key of an account limited to 1 request per minute",
    "min_coverage": "fail the session when spec coverage is below this percentage",
    "coverage_json": "path of the spec-coverage report (default reports/coverage.json)",
    "rules": "which rules to check: documented (the docs and the upstream APIs) or all (adds this project's "
             "decisions); default all against the self-launched reference, documented against --base-url",
}

_FLAGS: dict[str, str] = {
    "mock_upstreams": "the deployment's upstreams are this project's mocks, so [[mock:...]] directives work "
                      "(set automatically when the reference is started locally)",
    "test_hooks": "the deployment honours the test header x-empirio-test (set automatically when the "
                  "reference is started locally)",
}

_TARGET = pytest.StashKey["Target"]()
_RECORDER = pytest.StashKey[Recorder]()
_PROFILE = pytest.StashKey[tuple[Profile, str]]()
SUITES_DIR = Path(__file__).resolve().parent


@dataclass
class Target:
    """The deployment under test, resolved once per session."""

    base_url: str
    api_key: str
    second_key: str | None
    revoked_key: str | None
    zero_credit_key: str | None
    local: Any = None  # the launched reference deployment, when we started one
    rate_limited_key: str | None = None
    mock_upstreams: bool = False  # upstreams are this project's mocks: [[mock:...]] directives work
    test_hooks: bool = False  # the deployment honours x-empirio-test: internal-error


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("empirio", "EmpirioLabs conformance")
    for name, help_text in _OPTIONS.items():
        flag = "--" + name.replace("_", "-")
        try:
            group.addoption(flag, dest=f"empirio_{name}", default=None, help=help_text)
        except ValueError:  # another plugin (pytest-base-url) owns --base-url: share it
            pass
        parser.addini(f"empirio_{name}", help_text, default=None)
    for name, help_text in _FLAGS.items():
        flag = "--" + name.replace("_", "-")
        group.addoption(flag, dest=f"empirio_{name}", action="store_true", default=False, help=help_text)
        parser.addini(f"empirio_{name}", help_text, type="bool", default=False)
    parser.addini("empirio_require_rules", "every collected test (not only the suites') must declare "
                  "@pytest.mark.rule", type="bool", default=False)


def _truthy(value: str) -> bool:
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _flag(config: pytest.Config, name: str) -> bool:
    """A boolean option: the command-line flag, else ``EMPIRIO_<NAME>``, else the ini key."""
    if config.getoption(f"empirio_{name}", default=False):
        return True
    env = os.environ.get(f"EMPIRIO_{name.upper()}")
    if env is not None and env.strip():
        return _truthy(env)
    return bool(config.getini(f"empirio_{name}"))


def _setting(config: pytest.Config, name: str) -> str | None:
    value = config.getoption(f"empirio_{name}", default=None)
    if value is None and name == "base_url":
        value = config.getoption("base_url", default=None)
    return value or os.environ.get(f"EMPIRIO_{name.upper()}") or config.getini(f"empirio_{name}") or None


def _profile(config: pytest.Config) -> tuple[Profile, str]:
    """The rule profile and why: the option, else the target's default."""
    chosen = _setting(config, "rules")
    if chosen:
        if chosen not in PROFILES:
            raise pytest.UsageError(f"--rules {chosen!r}: choose one of {', '.join(PROFILES)}")
        return rule_registry.set_profile(chosen), "chosen"
    if _setting(config, "base_url"):
        return rule_registry.set_profile("documented"), "default against --base-url"
    return rule_registry.set_profile("all"), "default against the self-launched reference"


_OUTER_PROFILE = pytest.StashKey[Profile]()


def load_rules() -> None:
    """Import every module of :mod:`suites.checks`: each registers the rules its checks enforce."""
    for module in pkgutil.iter_modules(suites.checks.__path__):
        importlib.import_module(f"suites.checks.{module.name}")


def pytest_configure(config: pytest.Config) -> None:
    load_rules()
    config.stash[_RECORDER] = Recorder()
    config.stash[_OUTER_PROFILE] = rule_registry.profile()
    config.stash[_PROFILE] = _profile(config)
    rule_registry.NOT_APPLIED.clear()


def pytest_report_header(config: pytest.Config) -> list[str]:
    base_url = _setting(config, "base_url")
    profile, why = config.stash[_PROFILE]
    return [f"empirio target: {base_url or 'reference gateway + mocks, started locally'}",
            f"empirio rules: {profile} ({why})"]


def _is_suite_test(config: pytest.Config, item: pytest.Item) -> bool:
    path = Path(str(item.path)).resolve()
    return bool(config.getini("empirio_require_rules")) or SUITES_DIR in path.parents


def pytest_collection_modifyitems(session: pytest.Session, config: pytest.Config, items: list[pytest.Item]) -> None:
    """Every suite test names known rules; under ``documented`` a test of decisions only is skipped."""
    problems: list[str] = []
    for item in items:
        names = [n for marker in item.iter_markers("rule") for n in marker.args]
        unknown = [n for n in names if n not in rule_registry.RULES]
        if unknown:
            problems.append(f"{item.nodeid}: unknown rule(s) {', '.join(map(repr, unknown))}")
        elif not names and _is_suite_test(config, item):
            problems.append(f"{item.nodeid}: no @pytest.mark.rule(...) names the rule it checks")
    if problems:
        more = f"\n  … and {len(problems) - 20} more" if len(problems) > 20 else ""
        raise pytest.UsageError("every suite test must declare the rules it checks:\n  "
                                + "\n  ".join(problems[:20]) + more)
    if config.stash[_PROFILE][0] != "documented":
        return
    for item in items:
        found = rules_of(item)
        if found and all(r.kind == "decision" for r in found):
            item.add_marker(pytest.mark.skip(reason=decision_skip_reason(found)))


def _resolve_target(config: pytest.Config) -> Target:
    if _TARGET in config.stash:
        return config.stash[_TARGET]
    base_url = _setting(config, "base_url")
    if base_url:
        api_key = _setting(config, "api_key")
        if not api_key:
            raise pytest.UsageError("--base-url needs --api-key (or EMPIRIO_API_KEY)")
        target = Target(base_url.rstrip("/"), api_key, _setting(config, "second_key"),
                        _setting(config, "revoked_key"), _setting(config, "zero_credit_key"),
                        rate_limited_key=_setting(config, "rate_limited_key"),
                        mock_upstreams=_flag(config, "mock_upstreams"), test_hooks=_flag(config, "test_hooks"))
    else:
        from suites.launcher import launch

        local = launch()
        target = Target(local.base_url, local.api_key, local.second_key, local.revoked_key,
                        local.zero_credit_key, local=local,
                        rate_limited_key=local.rate_limited_key or None,
                        mock_upstreams=True, test_hooks=bool(local.control_url))
    config.stash[_TARGET] = target
    return target


def pytest_unconfigure(config: pytest.Config) -> None:
    if _OUTER_PROFILE in config.stash:  # an in-process run (pytester) leaves its caller's profile as it was
        rule_registry.set_profile(config.stash[_OUTER_PROFILE])
    target = config.stash.get(_TARGET, None)
    if target is not None and target.local is not None:
        target.local.stop()


@pytest.fixture(scope="session")
def target(pytestconfig: pytest.Config) -> Target:
    """The deployment under test."""
    return _resolve_target(pytestconfig)


@pytest.fixture(scope="session")
def contract(pytestconfig: pytest.Config) -> Contract:
    """The shared contract (specs/openapi.yaml), its required fields as the rule profile has them."""
    return load_contract(profile=pytestconfig.stash[_PROFILE][0])


@pytest.fixture(scope="session")
def recorder(pytestconfig: pytest.Config) -> Recorder:
    return pytestconfig.stash[_RECORDER]


@pytest.fixture(scope="session")
def contract_transport(contract: Contract, recorder: Recorder) -> Iterator[ContractTransport]:
    """An httpx transport validating everything that passes; hand it to SDK clients via http_client."""
    transport = ContractTransport(contract, recorder)
    yield transport
    transport.close()


@pytest.fixture(scope="session")
def api(target: Target, contract_transport: ContractTransport) -> Iterator[ApiClient]:
    """The suites' client for the deployment, authenticated with the session's key."""
    client = ApiClient(target.base_url, target.api_key, contract_transport)
    yield client
    client.close()


def _operator(target: Target, name: str) -> Any:
    """The operator's setting ``name`` (a key or a flag), or skip naming the option that provides it."""
    value = getattr(target, name)
    if not value:
        flag = "--" + name.replace("_", "-")
        env = f"EMPIRIO_{name.upper()}" + ("=1" if name in _FLAGS else "")
        pytest.skip(f"needs {flag} (or {env}): {_FLAGS.get(name) or _OPTIONS[name]}")
    return value


def _operator_fixture(name: str) -> Any:
    """A fixture ``name`` giving the operator's setting ``name``; a test using it skips without it."""
    def fixture(target: Target) -> Any:
        return _operator(target, name)

    flag = "--" + name.replace("_", "-")
    fixture.__doc__ = f"{_FLAGS.get(name) or _OPTIONS[name]}; skips naming {flag} otherwise."
    return pytest.fixture(fixture, name=name)


second_key = _operator_fixture("second_key")
revoked_key = _operator_fixture("revoked_key")
zero_credit_key = _operator_fixture("zero_credit_key")
rate_limited_key = _operator_fixture("rate_limited_key")
mock_upstreams = _operator_fixture("mock_upstreams")
test_hooks = _operator_fixture("test_hooks")


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Iterator[None]:
    recorder = item.config.stash[_RECORDER]
    before = len(recorder.violations)
    skipped_before = len(rule_registry.NOT_APPLIED)
    try:
        result = yield
    finally:
        for name, what in rule_registry.NOT_APPLIED[skipped_before:]:
            item.user_properties.append(("rule_not_applied", f"{name}: {what[:200]}"))
    new = recorder.violations[before:]
    if new:
        lines = "\n".join(f"  - {v}" for v in new[:20])
        more = f"\n  … and {len(new) - 20} more" if len(new) > 20 else ""
        raise AssertionError(f"contract violations in responses received by this test:\n{lines}{more}")
    return result


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    skipped = [n for n, what in rule_registry.NOT_APPLIED if not what.startswith(rule_registry.VIOLATED)]
    violated = [n for n, what in rule_registry.NOT_APPLIED if what.startswith(rule_registry.VIOLATED)]
    if skipped:
        terminalreporter.write_line(f"empirio rules: {len(skipped)} decision check(s) not applied under "
                                    f"--rules documented: {', '.join(sorted(set(skipped)))}")
    if violated:
        terminalreporter.write_line(f"empirio rules: {len(violated)} decision check(s) would have failed (not "
                                    f"applied under --rules documented): {', '.join(sorted(set(violated)))}")
    recorder = config.stash[_RECORDER]
    if not recorder.statuses and not recorder.events:
        return
    rows = coverage_rows(load_contract(profile=config.stash[_PROFILE][0]), recorder)
    out = Path(_setting(config, "coverage_json") or ROOT / "reports" / "coverage.json")
    write_coverage(out, rows)
    terminalreporter.section("spec coverage")
    for line in format_table(rows):
        terminalreporter.write_line(line)
    terminalreporter.write_line(f"written to {out}")
    below = config.stash.get(_BELOW, None)
    if below is not None:
        terminalreporter.write_line(
            f"FAILED: spec coverage {below[0]:.1f}% is below --min-coverage {below[1]:.1f}%", red=True
        )


_BELOW = pytest.StashKey[tuple[float, float]]()


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    minimum = _setting(session.config, "min_coverage")
    recorder = session.config.stash[_RECORDER]
    if minimum is None:
        return
    percent = coverage_percent(coverage_rows(load_contract(profile=session.config.stash[_PROFILE][0]), recorder))
    if percent < float(minimum):
        session.config.stash[_BELOW] = (percent, float(minimum))
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
