"""Plugin hooks around discovery (loaded by :mod:`suites.plugin`).

Before the first test runs, the session learns once what the deployment serves (:func:`session_discovery`)
and writes it under the session header: the models for each role and how they were found (catalog,
probe or option). Options that do nothing for the target say so there and in the end summary, together
with the number of probe requests. Every skip is reported at the test that skipped, not at the helper
line that called ``pytest.skip``.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from suites.client import ApiClient
from suites.contract import Violation, load_contract
from suites.discovery import DEFAULT_PROBE_LIMIT, Discovery, activate, discover, parse_pins
from suites.plugin import session_recorder, session_target
from suites.probe import DIRECTIVE, ENDPOINTS, ListingError, Prober
from suites.transport import ContractTransport

__all__ = ["session_discovery"]

_CATALOG_OPERATIONS = ("listModels", "retrieveModel")
_KEY_OPTIONS = ("second_key", "revoked_key", "zero_credit_key", "rate_limited_key", "other_account_key",
                "test_hooks", "limits_key", "limits_second_key")


@dataclass
class _State:
    """What this session learnt about the deployment before (or while) running tests."""

    pins: dict[str, str]
    probe_limit: int
    discovery: Discovery | None = None
    error: str | None = None
    notes: list[str] = field(default_factory=list)
    extra_probes: int = 0
    extra_violations: list[Violation] = field(default_factory=list)
    catalog_shape: int = 0  # violations of plain model objects, left to the catalog checks


_STATE = pytest.StashKey[_State]()


def _setting(config: pytest.Config, name: str) -> str | None:
    value = config.getoption(f"empirio_{name}", default=None)
    return value or os.environ.get(f"EMPIRIO_{name.upper()}") or config.getini(f"empirio_{name}") or None


def pytest_configure(config: pytest.Config) -> None:
    try:
        pins = parse_pins(_setting(config, "model"))
    except ValueError as exc:
        raise pytest.UsageError(str(exc)) from None
    limit = _setting(config, "probe_limit")
    if limit is not None and not (limit.isdigit() and int(limit) >= 1):
        raise pytest.UsageError(f"--probe-limit must be a positive integer, got {limit!r}")
    config.stash[_STATE] = _State(pins, int(limit) if limit else DEFAULT_PROBE_LIMIT)


def pytest_report_header(config: pytest.Config) -> list[str]:
    state = config.stash[_STATE]
    pins = ", ".join(f"{role}={model}" for role, model in state.pins.items())
    pinned = f"{pins} pinned by --model; others " if pins else ""
    line = (f"empirio models: {pinned}from GET /v1/models (its catalog fields, else up to {state.probe_limit} "
            "listed models probed, --probe-limit)")
    return [line]


def _client(config: pytest.Config) -> tuple[ApiClient, ContractTransport]:
    target = session_target(config)
    transport = ContractTransport(load_contract(), session_recorder(config))
    return ApiClient(target.base_url, target.api_key, transport), transport


def discovered(config: pytest.Config) -> Discovery | None:
    """The session's discovery if it ran (nothing is fetched here)."""
    state = config.stash.get(_STATE, None)
    return state.discovery if state is not None else None


def session_discovery(config: pytest.Config) -> Discovery:
    """The session's discovery, learnt on first use; a listing that is no list fails the caller."""
    state = config.stash[_STATE]
    if state.discovery is None and state.error is None:
        client, transport = _client(config)
        try:
            state.discovery = discover(client, pins=state.pins, probe_limit=state.probe_limit,
                                       recorder=session_recorder(config))
        except ListingError as exc:
            state.error = str(exc)
        except httpx.HTTPError as exc:
            state.error = f"GET /v1/models: {type(exc).__name__}: {exc}"
        finally:
            client.close()
            transport.close()
    if state.discovery is None:
        pytest.fail(f"discovery failed: {state.error}", pytrace=False)
    return activate(state.discovery)


@dataclass(frozen=True)
class _FlagProbe:
    """How to see whether an operator's flag does anything: what it enables, and the request change that
    makes the deployment fail a plain request when it does."""

    what: str
    shown: str
    suffix: str = ""
    headers: dict[str, str] = field(default_factory=dict)


_FLAG_PROBES = {
    "mock_upstreams": _FlagProbe("[[mock:...]] directives", DIRECTIVE, suffix=DIRECTIVE),
    "test_hooks": _FlagProbe("the x-empirio-test header", "x-empirio-test: internal-error",
                             headers={"x-empirio-test": "internal-error"}),
}


def _check_flag(config: pytest.Config, discovery: Discovery, state: _State, name: str) -> None:
    """With flag ``name`` given for a base URL, one quick probe shows whether what it promises works; if it
    does not (or no model can carry the probe), the flag is switched off and its checks skip saying why."""
    target = session_target(config)
    if not getattr(target, name) or target.local is not None:
        return
    flag, probe = "--" + name.replace("_", "-"), _FLAG_PROBES[name]
    route = next(((path, models[0]["id"]) for path in ENDPOINTS if (models := discovery.serving(path))), None)
    if route is None:
        why = f"no model is served on any generation endpoint, so no request can carry {probe.what}"
    else:
        client, transport = _client(config)
        prober = Prober(client)
        recorder = session_recorder(config)
        before = len(recorder.violations)
        try:
            effect = prober.changes_answer(*route, suffix=probe.suffix, headers=probe.headers)
        finally:
            state.extra_probes += prober.requests
            state.extra_violations.extend(recorder.violations[before:])
            del recorder.violations[before:]
            client.close()
            transport.close()
        if effect is None:
            state.notes.append(f"{flag}: could not tell whether {probe.what} work ({route[0]} {route[1]} did not "
                               "answer a plain request); left on")
            return
        if effect:
            state.notes.append(f"{flag}: a probe on {route[0]} confirmed {probe.what} take effect")
            return
        why = f"a probe showed {probe.shown} has no effect on {route[0]} {route[1]} (answered 200)"
    setattr(target, name, False)
    target.ineffective[name] = f"{flag} was given but does nothing for this deployment: {why}"
    state.notes.append(f"{flag} does nothing for this deployment: {why}; its checks skip")


def _unused_options(config: pytest.Config, items: list[pytest.Item], state: _State) -> None:
    target = session_target(config)
    for name in _KEY_OPTIONS:
        if getattr(target, name) and target.local is None and \
                not any(name in getattr(item, "fixturenames", ()) for item in items):
            state.notes.append(f"--{name.replace('_', '-')} is set but no selected test uses it")


def pytest_collection_finish(session: pytest.Session) -> None:
    config = session.config
    if config.option.collectonly or not session.items:
        return
    if not any("discovery" in getattr(item, "fixturenames", ()) for item in session.items):
        return
    state = config.stash[_STATE]
    reporter: Any = config.pluginmanager.get_plugin("terminalreporter")
    try:
        discovery = session_discovery(config)
    except pytest.fail.Exception:
        lines = [f"discovery failed: {state.error}"]
    except (pytest.UsageError, KeyboardInterrupt):
        raise
    except Exception as exc:  # noqa: BLE001 - e.g. the reference did not start: each test says so again
        lines = [f"discovery could not start: {type(exc).__name__}: {str(exc)[:300]}"]
    else:
        _unused_options(config, session.items, state)
        _check_flag(config, discovery, state, "mock_upstreams")
        if any("test_hooks" in getattr(item, "fixturenames", ()) for item in session.items):
            _check_flag(config, discovery, state, "test_hooks")
        lines = [*discovery.report(), *state.notes]
    if reporter is not None:
        reporter.write_sep("-", "empirio discovery")
        for line in lines:
            reporter.write_line(line)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    """Report a skip at the test itself (the helper that skipped is named in its reason, not its place)."""
    report: Any = yield
    if report.skipped and isinstance(report.longrepr, tuple) and not hasattr(report, "wasxfail"):
        path, line = item.reportinfo()[:2]
        report.longrepr = (os.fspath(path), (line or 0) + 1, report.longrepr[2])
    return report  # type: ignore[no-any-return]


@pytest.hookimpl(wrapper=True, trylast=True)
def pytest_runtest_call(item: pytest.Item) -> Iterator[None]:
    """On a plain listing, a model object lacking the catalog fields is the catalog checks' failure (they
    say so in one line), not that of every test that lists models: its violations are taken out here,
    before the plugin charges the test with the rest."""
    state = item.config.stash[_STATE]
    recorder = session_recorder(item.config)
    before = len(recorder.violations)
    try:
        return (yield)
    finally:
        if state.discovery is not None and state.discovery.listing is not None and state.discovery.listing.plain:
            kept = [v for v in recorder.violations[before:]
                    if not (v.operation in _CATALOG_OPERATIONS and v.status == 200)]
            state.catalog_shape += len(recorder.violations) - before - len(kept)
            recorder.violations[before:] = kept


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    state = config.stash.get(_STATE, None)
    if state is None or (state.discovery is None and state.error is None):
        return
    terminalreporter.section("empirio discovery")
    if state.discovery is None:
        terminalreporter.write_line(f"discovery failed: {state.error}")
        return
    d = state.discovery
    how = d.probe_summary() if d.source == "probe" else f"{len(d.models)} models from the catalog"
    pinned = ", ".join(f"{role}={model['id']}" for role, model in d.pins.items())
    pins = f"; pinned by --model: {pinned}" if pinned else ""
    extra = f" (+{state.extra_probes} checking flags)" if state.extra_probes else ""
    terminalreporter.write_line(f"discovery: {d.source} — {how}{pins}; probe requests: "
                                f"{d.probe_requests + state.extra_probes}{extra}")
    aside = [*d.probe_violations, *state.extra_violations]
    if aside:
        shown = "; ".join(str(v) for v in aside[:3])
        terminalreporter.write_line(f"probe answers broke the contract {len(aside)} times (charged to no test; "
                                    f"the endpoints' own tests check such answers): {shown[:400]}")
    if state.catalog_shape:
        terminalreporter.write_line(f"{state.catalog_shape} contract violations of plain model objects (GET "
                                    f"/v1/models, /v1/models/{{id}}) were left to the catalog checks")
    for note in state.notes:
        terminalreporter.write_line(note)
