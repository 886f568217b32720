"""The pytest plugin (entry point ``empirio``): which deployment, which keys, and the contract.

Options (each also an ini key ``empirio_<name>`` and an environment variable):

    --base-url         EMPIRIO_BASE_URL         the deployment; absent → start the reference locally
    --api-key          EMPIRIO_API_KEY          a funded key
    --second-key       EMPIRIO_SECOND_KEY       another key of the same account
    --revoked-key      EMPIRIO_REVOKED_KEY      a key that was revoked
    --zero-credit-key  EMPIRIO_ZERO_CREDIT_KEY  a key of an account with no credits
    --rate-limited-key EMPIRIO_RATE_LIMITED_KEY a key of an account limited to 1 request per minute
    --other-account-key EMPIRIO_OTHER_ACCOUNT_KEY a funded key of another account (isolation of stored state)
    --limits-key       EMPIRIO_LIMITS_KEY       a key of an account whose rate-limit budget the limits suite may spend
    --limits-second-key EMPIRIO_LIMITS_SECOND_KEY another key of that account (the budget is shared)
    --limits-window    EMPIRIO_LIMITS_WINDOW    that account's rate-limit window in seconds (D-142)
    --real-time-limits EMPIRIO_REAL_TIME_LIMITS=1 (flag) the limits account has the documented 60 s window
    --balance-url      EMPIRIO_BALANCE_URL      a URL answering GET with {"balance_usd": "..."}, the balance of the
                                                key in Authorization (the reference's /__test__/balance)
    --low-balance-key  EMPIRIO_LOW_BALANCE_KEY  a key of an account with a tiny balance (about $0.02) and high rate
                                                limits, which the balances suite may spend to zero (D-187)
    --mock-upstreams   EMPIRIO_MOCK_UPSTREAMS=1 (flag) the upstreams are this project's mocks
    --test-hooks       EMPIRIO_TEST_HOOKS=1     (flag) the deployment honours ``x-empirio-test``
    --mock-control     EMPIRIO_MOCK_CONTROL     base URLs of the mock upstreams (comma-separated): their request
                                                logs prove a rejection never reached an upstream
    --min-coverage     EMPIRIO_MIN_COVERAGE     fail the session below this spec-coverage percent
    --coverage-json    EMPIRIO_COVERAGE_JSON    where to write the coverage report
    --model            EMPIRIO_MODEL            pin models: chat=ID,messages=ID,responses=ID,reasoning=ID,tools=ID
    --probe-limit      EMPIRIO_PROBE_LIMIT      how many listed models to probe when /v1/models is a plain list
    --upstream-timeout EMPIRIO_UPSTREAM_TIMEOUT seconds within which the deployment answers a hung upstream
    --slow-client-bound EMPIRIO_SLOW_CLIENT_BOUND seconds within which it cuts a slow or idle client (30)
    --clock-url        EMPIRIO_CLOCK_URL        the deployment's test clock: POST {"advance": s} moves it forward, its
                                                sibling .../sweep runs the sweeper (the reference's /__test__/clock)
    --keys-url         EMPIRIO_KEYS_URL         a URL listing (GET), creating (POST {"expires_in"?}) and revoking
                                                (DELETE .../{key_id}) the presented key's account's keys (the
                                                reference's /__test__/keys; D-202)
    --ws-url           EMPIRIO_WS_URL           the run-events channel (default: the base URL as ws(s)://…/v1/runs/events)
    --run-hook         EMPIRIO_RUN_HOOK         a URL answering POST {"outcome", "delay"} with a JobAccepted run of the
                                                key's account (the reference's /__test__/runs; D-124)
    --instance-urls    EMPIRIO_INSTANCE_URLS    base URLs of the deployment's other instances (comma-separated), which
                                                share its store and rate limits (the reference's on one Redis)
    --launch-shared    EMPIRIO_LAUNCH_SHARED    without --base-url: self-launch two reference instances sharing a
                                                private Redis (limits) and PostgreSQL (store) on loopback
    --rules            EMPIRIO_RULES            ``documented`` (docs and upstream-API rules) or ``all`` (adds
                                                our decisions); default ``all`` against the self-launched
                                                reference, ``documented`` against any --base-url

Every suite test declares the rules it checks (``@pytest.mark.rule``, :mod:`suites.rules`); a suite
test without one is a collection error, and under ``--rules documented`` a test whose rules are all
decisions is skipped naming them.

Every response any suite receives passes through :class:`suites.transport.ContractTransport`; a test
that received a response breaking the contract or leaking the upstream fails, whatever it asserted
itself, with a one-line reason. Reports (Allure labels and attachments, the environment block, the
terminal's failure lines) come from :mod:`suites.reporting`. Discovery, the session header's account of
it, and skips reported at the test live in :mod:`suites.discovery_hooks`.
"""

from __future__ import annotations

import importlib
import os
import pkgutil
from collections.abc import Generator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

import suites.checks
from suites import reporting
from suites import rules as rule_registry
from suites.channel import load_channels
from suites.client import ApiClient
from suites.clock import TestClock
from suites.contract import Contract, load_contract
from suites.recorder import (
    Recorder,
    channel_rows,
    coverage_percent,
    coverage_rows,
    format_table,
    write_coverage,
)
from suites.rules import PROFILES, Profile, decision_skip_reason, rules_of
from suites.transport import ContractTransport
from suites.upstreams import UpstreamLog

__all__ = ["Target", "seconds_option", "session_recorder", "session_target"]

pytest_plugins = ["suites.discovery_hooks", "suites.hostile", "suites.jobs"]

_OPTIONS: dict[str, str] = {
    "base_url": "the deployment's base URL (default: start the reference gateway and mocks locally)",
    "api_key": "an API key with credits",
    "second_key": "a second API key of the same account",
    "revoked_key": "an API key that has been revoked",
    "zero_credit_key": "an API key of an account with no credits",
    "rate_limited_key": "an API key of an account limited to 1 request per minute",
    "other_account_key": "a funded API key of another account (stored responses are per account)",
    "limits_key": "an API key of an account whose rate-limit budget the limits suite may spend (a small budget "
                  "keeps it fast; D-142)",
    "limits_second_key": "another API key of the --limits-key account (keys of one account share one budget)",
    "limits_window": "the --limits-key account's rate-limit window in seconds (the reference's test account: 3; "
                     "without it, --real-time-limits means the documented 60 s)",
    "mock_control": "base URLs of the mock upstreams, comma-separated, whose request logs "
                    "(GET /__mock__/requests) prove a rejection never reached an upstream (set automatically "
                    "when the reference is started locally)",
    "balance_url": "a URL answering GET with {\"balance_usd\": \"...\"}, the balance of the account of the key "
                   "sent in Authorization: Bearer (the docs have no balance API; the billing checks need one; set "
                   "automatically when the reference is started locally)",
    "low_balance_key": "an API key of an account with a tiny balance (about $0.02) and rate limits high enough for "
                       "200 concurrent calls, which the balances suite spends to zero (with --balance-url: the "
                       "hold and concurrency checks; the reference's self-launched account; D-187)",
    "min_coverage": "fail the session when spec coverage is below this percentage",
    "coverage_json": "path of the spec-coverage report (default reports/coverage.json in the current directory)",
    "model": "pin models by role, e.g. chat=ID,messages=ID,responses=ID,reasoning=ID,tools=ID (pins win over "
             "discovery)",
    "probe_limit": "how many listed models to probe when /v1/models is a plain OpenAI or Anthropic list "
                   "(default 4)",
    "upstream_timeout": "seconds within which the deployment answers a hung upstream (an upstream that accepts "
                        "the request and sends nothing); the hostile suite's hung-upstream test needs it and "
                        "--mock-upstreams (set automatically when the reference is started locally)",
    "slow_client_bound": "seconds within which the deployment answers or cuts a slow client (a body or head "
                         "trickled, an idle connection); default 30, short when the reference is started locally",
    "clock_url": "a URL answering POST {\"advance\": seconds} by moving the deployment's clock forward (its "
                 "sibling .../sweep, POSTed, runs the retention sweeper); the retention, expiry and sweep checks "
                 "need it (the reference's test-mode /__test__/clock, set automatically when it is started "
                 "locally; D-91, D-131)",
    "keys_url": "a URL answering GET with the presented key's account's keys ({\"limit\", \"data\": [...]}), POST "
                "{\"expires_in\"?: seconds} with a new key of that account (409 once it holds its limit) and DELETE "
                ".../{key_id} by revoking it; the key-limit, revocation and expiry checks need it (the reference's "
                "test-mode /__test__/keys, set automatically when it is started locally; D-202)",
    "ws_url": "the run-events WebSocket (default: the base URL with ws(s):// and /v1/runs/events; D-124)",
    "run_hook": "a URL answering POST {\"outcome\": \"completed\"|\"failed\", \"delay\": s} with a JobAccepted run "
                "of the presented key's account, whose lifecycle the run-events checks time (the reference's "
                "/__test__/runs, set automatically when it is started locally; D-124)",
    "instance_urls": "base URLs of the deployment's other instances, comma-separated, serving the same accounts "
                     "behind the same store and rate limiter (a load balancer's backends); the check that one rate "
                     "limit holds across instances needs them (the reference's two instances on one Redis)",
    "rules": "which rules to check: documented (the docs and the upstream APIs) or all (adds this project's "
             "decisions); default all against the self-launched reference, documented against --base-url",
}

_FLAGS: dict[str, str] = {
    "launch_shared": "without --base-url: self-launch the reference as two gateway instances sharing one private "
                     "Redis (the rate limits) and one private PostgreSQL (the store), started on loopback for the "
                     "session; the other instance becomes --instance-urls (without redis-server or PostgreSQL it "
                     "launches one instance and says why)",
    "mock_upstreams": "the deployment's upstreams are this project's mocks, so [[mock:...]] directives work "
                      "(set automatically when the reference is started locally)",
    "real_time_limits": "the --limits-key account has the documented 60-second window: the limits suite runs "
                        "in real time (minutes; its tests are marked slow)",
    "test_hooks": "the deployment honours the test header x-empirio-test (set automatically when the "
                  "reference is started locally)",
}

SLOW_CLIENT_BOUND = 30.0
"""The default of ``--slow-client-bound``."""

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
    other_account_key: str | None = None
    mock_upstreams: bool = False  # upstreams are this project's mocks: [[mock:...]] directives work
    test_hooks: bool = False  # the deployment honours x-empirio-test: internal-error
    mock_control: tuple[str, ...] = ()  # base URLs of the mock upstreams (their request logs)
    balance_url: str | None = None  # GET → {"balance_usd": ...} of the key presented
    upstream_timeout: float | None = None  # seconds within which a hung upstream is answered
    slow_client_bound: float = SLOW_CLIENT_BOUND  # seconds within which a slow or idle client is cut
    clock_url: str | None = None  # POST {"advance": s} moves the deployment's clock; .../sweep sweeps
    ineffective: dict[str, str] = field(default_factory=dict)  # option → why it was given but does nothing
    ws_url: str = ""  # the run-events channel (D-124)
    run_hook: str | None = None  # POST → a run of the key's account with a timed lifecycle (D-124)
    limits_key: str | None = None  # an account whose rate-limit budget the limits suite spends (D-142)
    limits_second_key: str | None = None  # another key of that account
    limits_window: float | None = None  # that account's window in seconds
    real_time_limits: bool = False  # its window is the documented 60 s
    instance_urls: tuple[str, ...] = ()  # the deployment's other instances (same accounts, store and limits)
    keys_url: str | None = None  # GET/POST/DELETE the presented key's account's keys (D-202)
    low_balance_key: str | None = None  # an account with a tiny balance the balances suite spends (D-187)


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


_MARKERS = (
    "needs(option): the test needs an operator-supplied option; it skips naming it when absent",
    "rule(*names): the rules (suites.rules) a test checks; their sources decide whether --rules runs it",
    "slow: takes minutes against a deployment (e.g. the rate limits in real time)",
)


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
    for marker in _MARKERS:  # an installed harness runs without the checkout's pyproject.toml
        config.addinivalue_line("markers", marker)

    config.stash[_OUTER_PROFILE] = rule_registry.profile()
    config.stash[_PROFILE] = _profile(config)
    rule_registry.NOT_APPLIED.clear()


def _reference_problem(config: pytest.Config) -> str | None:
    """Why the reference cannot be self-launched, when no ``--base-url`` says where the deployment is."""
    if _setting(config, "base_url") or _TARGET in config.stash or config.option.collectonly:
        return None
    from suites.launcher import reference_missing

    return reference_missing()


def _running_the_suites(config: pytest.Config) -> bool:
    """Whether this session runs suites: ``pytest --pyargs suites[.module]`` (and so ``empirio-conformance``),
    or the suites' own ``conftest.py`` was loaded up front (``pytest suites/...``)."""
    if config.option.pyargs and any(arg.split("::")[0].partition(".")[0] == __package__ for arg in config.args):
        return True
    conftest = Path(__file__).with_name("conftest.py")
    return any(Path(getattr(plugin, "__file__", None) or "") == conftest
               for plugin in config.pluginmanager.get_plugins())


@pytest.hookimpl(tryfirst=True)
def pytest_sessionstart(session: pytest.Session) -> None:
    """Without ``--base-url`` and without the reference installed, a run of the suites stops here with one
    line (pytest prints a usage error as ``ERROR: <message>``), before any header or test."""
    if _running_the_suites(session.config) and (problem := _reference_problem(session.config)):
        raise pytest.UsageError(problem)


def pytest_collection_finish(session: pytest.Session) -> None:
    """The same for suite tests collected some other way (``pytest`` at the checkout's root): stop before
    the first test that needs the deployment rather than failing each of them."""
    if not any("target" in getattr(item, "fixturenames", ()) for item in session.items):
        return
    problem = _reference_problem(session.config)
    if problem is not None:
        raise pytest.UsageError(problem)


def pytest_report_header(config: pytest.Config) -> list[str]:
    base_url = _setting(config, "base_url")
    profile, why = config.stash[_PROFILE]
    local = ("two reference gateway instances on a private Redis and PostgreSQL + mocks, started locally"
             if _flag(config, "launch_shared") else "reference gateway + mocks, started locally")
    return [f"empirio target: {base_url or local}",
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
    if reporting.allure_active(config):
        for item in items:
            reporting.label_item(item)
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
                        other_account_key=_setting(config, "other_account_key"),
                        mock_upstreams=_flag(config, "mock_upstreams"), test_hooks=_flag(config, "test_hooks"),
                        mock_control=tuple(u.strip() for u in (_setting(config, "mock_control") or "").split(",")
                                           if u.strip()),
                        balance_url=_setting(config, "balance_url"), clock_url=_setting(config, "clock_url"),
                        run_hook=_setting(config, "run_hook"), keys_url=_setting(config, "keys_url"),
                        limits_key=_setting(config, "limits_key"),
                        limits_second_key=_setting(config, "limits_second_key"),
                        real_time_limits=_flag(config, "real_time_limits"),
                        low_balance_key=_setting(config, "low_balance_key"))
        _seconds_options(config, target)
        target.instance_urls = tuple(u.strip().rstrip("/") for u in (_setting(config, "instance_urls") or "").split(",")
                                     if u.strip())
    else:
        from suites.launcher import ReferenceMissing, SharedServersMissing, launch

        try:
            try:
                local = launch(instances=2, shared=True) if _flag(config, "launch_shared") else launch()
            except SharedServersMissing as exc:
                config.issue_config_time_warning(pytest.PytestConfigWarning(f"{exc}; launching one instance"), 2)
                local = launch()
        except ReferenceMissing as exc:
            raise pytest.UsageError(str(exc)) from None
        target = Target(local.base_url, local.api_key, local.second_key, local.revoked_key,
                        local.zero_credit_key, local=local,
                        rate_limited_key=local.rate_limited_key or None,
                        other_account_key=local.other_account_key or None,
                        mock_upstreams=True, test_hooks=bool(local.control_url),
                        mock_control=tuple(local.upstreams.values()),
                        upstream_timeout=local.upstream_timeout, slow_client_bound=local.slow_client_bound,
                        balance_url=local.balance_url or None,
                        clock_url=_setting(config, "clock_url") or local.clock_url or None,
                        run_hook=f"{local.control_url}/runs" if local.control_url else None,
                        keys_url=_setting(config, "keys_url") or local.keys_url or None,
                        limits_key=local.limits_key or None, limits_second_key=local.limits_second_key or None,
                        limits_window=local.limits_window,
                        low_balance_key=_setting(config, "low_balance_key") or local.low_balance_key or None)
        target.instance_urls = tuple(local.instance_urls[1:])
        _seconds_options(config, target)
    target.ws_url = (_setting(config, "ws_url")
                     or target.base_url.replace("http", "ws", 1) + "/v1/runs/events").rstrip("/")
    config.stash[_TARGET] = target
    config.stash[_RECORDER].upstreams = UpstreamLog(target.mock_control) if target.mock_control else None
    return target


def seconds_option(config: pytest.Config, name: str) -> float | None:
    """The option ``name`` (or its environment variable or ini key) as positive seconds, ``None`` unset."""
    value = _setting(config, name)
    if value is None:
        return None
    try:
        seconds = float(value)
    except ValueError:
        raise pytest.UsageError(f"--{name.replace('_', '-')} {value!r}: a number of seconds") from None
    if seconds <= 0:
        raise pytest.UsageError(f"--{name.replace('_', '-')} {value!r}: a positive number of seconds")
    return seconds


def _seconds_options(config: pytest.Config, target: Target) -> None:
    """``--upstream-timeout`` and ``--slow-client-bound``, when given, over the target's own."""
    upstream_timeout, slow_client_bound = seconds_option(config, "upstream_timeout"), seconds_option(config, "slow_client_bound")
    if upstream_timeout is not None:
        target.upstream_timeout = upstream_timeout
    if slow_client_bound is not None:
        target.slow_client_bound = slow_client_bound
    limits_window = seconds_option(config, "limits_window")
    if limits_window is not None:
        target.limits_window = limits_window
    elif target.real_time_limits and target.limits_window is None:
        target.limits_window = 60.0


def session_target(config: pytest.Config) -> Target:
    """The deployment under test (resolved, and the reference launched, on first use)."""
    return _resolve_target(config)


def session_recorder(config: pytest.Config) -> Recorder:
    """What the session saw: contract violations and spec coverage."""
    return config.stash[_RECORDER]


def pytest_unconfigure(config: pytest.Config) -> None:
    if _OUTER_PROFILE in config.stash:  # an in-process run (pytester) leaves its caller's profile as it was
        rule_registry.set_profile(config.stash[_OUTER_PROFILE])
    upstreams = config.stash[_RECORDER].upstreams if _RECORDER in config.stash else None
    if upstreams is not None:
        upstreams.close()
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
    if not value and name in target.ineffective:
        pytest.skip(target.ineffective[name])
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
other_account_key = _operator_fixture("other_account_key")
limits_key = _operator_fixture("limits_key")
limits_second_key = _operator_fixture("limits_second_key")
mock_upstreams = _operator_fixture("mock_upstreams")
test_hooks = _operator_fixture("test_hooks")
balance_url = _operator_fixture("balance_url")
upstream_timeout = _operator_fixture("upstream_timeout")
clock_url = _operator_fixture("clock_url")
instance_urls = _operator_fixture("instance_urls")


@pytest.fixture
def clock(clock_url: str) -> TestClock:
    """The deployment's test clock and sweeper (``--clock-url``); a test using it skips naming the option otherwise."""
    return TestClock(clock_url)
run_hook = _operator_fixture("run_hook")
keys_url = _operator_fixture("keys_url")
low_balance_key = _operator_fixture("low_balance_key")


@pytest.fixture(scope="session")
def slow_client_bound(target: Target) -> float:
    """Seconds within which the deployment answers or cuts a slow or idle client (``--slow-client-bound``)."""
    return target.slow_client_bound


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    item.config.stash[_RECORDER].exchanges.clear()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Iterator[None]:
    recorder = item.config.stash[_RECORDER]
    before = len(recorder.violations)
    skipped_before = len(rule_registry.NOT_APPLIED)
    try:
        result = yield
    except (pytest.skip.Exception, pytest.xfail.Exception, pytest.exit.Exception):
        raise
    except BaseException as exc:  # the test's own check failed: name the violations too (a leak is no mere wrong status)
        new = recorder.violations[before:]
        if not new or not isinstance(exc, Exception):
            raise
        own = reporting.one_line(f"{type(exc).__name__}: {exc}", 600)
        raise AssertionError(f"{_violations(new)} | and the test's own check: {own}") from exc
    finally:
        for name, what in rule_registry.NOT_APPLIED[skipped_before:]:
            item.user_properties.append(("rule_not_applied", f"{name}: {what[:200]}"))
    new = recorder.violations[before:]
    if new:
        raise AssertionError(_violations(new))
    return result


def _violations(new: list[Any]) -> str:
    shown = " | ".join(reporting.one_line(str(v), 300) for v in new[:5])
    more = f" | … and {len(new) - 5} more" if len(new) > 5 else ""
    return f"contract violations in responses this test received ({len(new)}): {shown}{more}"


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Generator[None, Any, Any]:
    report = yield
    if report.failed and report.when in ("setup", "call") and reporting.allure_active(item.config):
        reporting.attach_exchanges(item.config.stash[_RECORDER].exchanges)
    return report


def _is_tty(terminalreporter: Any) -> bool:
    out = getattr(terminalreporter._tw, "_file", None)
    return bool(out is not None and hasattr(out, "isatty") and out.isatty())


@pytest.hookimpl(wrapper=True)
def pytest_fixture_setup(fixturedef: pytest.FixtureDef[Any], request: pytest.FixtureRequest) -> Iterator[Any]:
    result = yield
    if fixturedef.argname == "discovery":
        request.config.stash[DISCOVERY] = reporting.describe_discovery(result)
    return result


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    failed = [r for key in ("failed", "error") for r in terminalreporter.stats.get(key, ())
              if getattr(r, "when", None) in ("setup", "call", "teardown")]
    if failed and not _is_tty(terminalreporter):
        terminalreporter.section("failures, one line each")
        for line in reporting.failure_lines(failed):
            terminalreporter.write_line(line)
    skipped = [n for n, what in rule_registry.NOT_APPLIED if not what.startswith(rule_registry.VIOLATED)]
    violated = [n for n, what in rule_registry.NOT_APPLIED if what.startswith(rule_registry.VIOLATED)]
    if skipped:
        terminalreporter.write_line(f"empirio rules: {len(skipped)} decision check(s) not applied under "
                                    f"--rules documented: {', '.join(sorted(set(skipped)))}")
    if violated:
        terminalreporter.write_line(f"empirio rules: {len(violated)} decision check(s) would have failed (not "
                                    f"applied under --rules documented): {', '.join(sorted(set(violated)))}")
    recorder = config.stash[_RECORDER]
    if not recorder.seen_anything:
        return
    rows = _coverage(config, recorder)
    out = Path(_setting(config, "coverage_json") or config.invocation_params.dir / "reports" / "coverage.json")
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


def _coverage(config: pytest.Config, recorder: Recorder) -> list[dict[str, Any]]:
    """The coverage rows: every operation of the OpenAPI document, then every AsyncAPI channel (D-125)."""
    profile = config.stash[_PROFILE][0]
    return coverage_rows(load_contract(profile=profile), recorder) + channel_rows(load_channels(profile=profile),
                                                                                  recorder)


def _environment(config: pytest.Config) -> dict[str, str]:
    target = config.stash.get(_TARGET, None)
    profile, why = config.stash[_PROFILE]
    return {
        "target": (target.base_url + (" (reference gateway + mocks, started locally)" if target.local else ""))
                  if target else (_setting(config, "base_url") or "not resolved (no test used the deployment)"),
        "discovery": _discovery_line(config),
        "rule profile": f"{profile} ({why})",
        "mock upstreams": "yes" if target and target.mock_upstreams else "no",
        "mock request logs": ", ".join(target.mock_control) if target and target.mock_control else "none",
        "harness version": reporting.harness_version(),
    }


def _discovery_line(config: pytest.Config) -> str:
    from suites.discovery_hooks import discovered

    found = discovered(config)
    if found is not None:
        return reporting.describe_discovery(found)
    return config.stash.get(DISCOVERY, "not run (no test needed the model list)")


DISCOVERY = pytest.StashKey[str]()
"""What discovery learnt about the deployment, in one line (for the report's environment block)."""


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if reporting.allure_active(session.config):
        reporting.write_environment(Path(session.config.option.allure_report_dir), _environment(session.config))
    minimum = _setting(session.config, "min_coverage")
    recorder = session.config.stash[_RECORDER]
    if minimum is None:
        return
    percent = coverage_percent(_coverage(session.config, recorder))
    if percent < float(minimum):
        session.config.stash[_BELOW] = (percent, float(minimum))
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
