"""The hostile-input suites' shared pieces: the ``hostile(category)`` marker, the :class:`Hostile` fixture
that counts what each test sent, and the terminal summary of requests sent and findings per category.

A hostile test is marked ``@pytest.mark.hostile("<category>")`` so an operator can choose the suites
(``-m hostile``) or leave them out (``-m "not hostile"``); each one sends a bounded number of requests,
records them with :meth:`Hostile.sent`, and ends with :meth:`Hostile.still_serves` — the deployment must
answer a valid request after whatever it was sent.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

import pytest

from suites.checks import expect
from suites.client import ApiClient

__all__ = ["Hostile", "Tally", "hostile"]

MARKER = "hostile(category): a hostile-input test (-m hostile selects them, -m 'not hostile' leaves them out)"


@dataclass
class Tally:
    """Per category: requests sent, tests passed and failed, and one line per failure."""

    sent: Counter[str] = field(default_factory=Counter)
    passed: Counter[str] = field(default_factory=Counter)
    failed: Counter[str] = field(default_factory=Counter)
    findings: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))

    def lines(self) -> list[str]:
        categories = sorted(set(self.sent) | set(self.passed) | set(self.failed))
        out = [f"{sum(self.sent.values())} hostile requests sent in {len(categories)} categories"]
        for category in categories:
            verdict = "clean" if not self.failed[category] else f"{self.failed[category]} failing"
            out.append(f"  {category:<14} {self.sent[category]:>5} sent  {self.passed[category]:>3} passed  {verdict}")
            out += [f"      {line}" for line in self.findings.get(category, [])]
        return out


_TALLY = pytest.StashKey[Tally]()


class Hostile:
    """What one hostile test sends and finds, in its ``category``."""

    def __init__(self, category: str, tally: Tally, api: ApiClient) -> None:
        self.category = category
        self._tally = tally
        self._api = api

    @property
    def base_url(self) -> str:
        return self._api.base_url

    def sent(self, count: int = 1) -> None:
        self._tally.sent[self.category] += count

    def still_serves(self) -> None:
        """A valid request answers 200 after the hostile ones (rule ``valid_request_200``)."""
        self.sent(0)
        response = self._api.get("/v1/models")
        expect("valid_request_200", response.status_code == 200, "GET /v1/models answered 200",
               f"{response.status_code} {response.text[:200]}")


def _category(item: pytest.Item) -> str | None:
    marker = item.get_closest_marker("hostile")
    if marker is None:
        return None
    return str(marker.args[0]) if marker.args else "other"


@pytest.fixture
def hostile(request: pytest.FixtureRequest, api: ApiClient) -> Hostile:
    """The hostile test's tally, in the category its ``hostile`` marker names."""
    category = _category(request.node) or "other"
    return Hostile(category, request.config.stash[_TALLY], api)


class _TallyReporter:
    """Counts each hostile test's outcome into the session's tally."""

    def __init__(self, tally: Tally) -> None:
        self.tally = tally

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        category = dict(report.user_properties).get("hostile_category")
        if not isinstance(category, str):
            return
        if report.failed:
            self.tally.failed[category] += 1
            message = str(report.longrepr).strip().splitlines()[-1] if report.longrepr else "failed"
            self.tally.findings[category].append(f"{report.nodeid.split('::')[-1]}: {message[:220]}")
        elif report.when == "call" and report.passed:
            self.tally.passed[category] += 1


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", MARKER)
    config.stash[_TALLY] = tally = Tally()
    config.pluginmanager.register(_TallyReporter(tally), f"empirio-hostile-tally-{id(config)}")


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    category = _category(item)
    if category is not None:
        item.user_properties.append(("hostile_category", category))


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    tally = config.stash.get(_TALLY, None)
    if tally is None or not (tally.sent or tally.passed or tally.failed):
        return
    terminalreporter.section("hostile input")
    for line in tally.lines():
        terminalreporter.write_line(line)
