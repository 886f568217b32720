"""Reports people use: Allure behaviours and attachments, the environment block, one-line failure reasons.

* Every collected test carries Allure labels — epic (the API area), feature (the operation), story (each
  rule it checks, from :func:`suites.rules.rules_of`; the test's name when it declares none), severity —
  and each rule's source as a label and, for a docs page, a link.
* A failed test gets the HTTP exchanges it made (:mod:`suites.exchanges`) as text attachments, the ones
  with findings first.
* ``environment.properties`` in the Allure results directory (which Allure 3 shows as the report's
  environment) names the target, what discovery found, the rule profile and the harness version.
* :func:`failure_lines` gives each failed test with its whole reason on one line, for a terminal
  section that stays readable when the output is not a terminal (no cut at 80 columns).

Nothing here needs Allure installed: labels are plain ``allure_label``/``allure_link`` marks, and
attachments are skipped without ``allure-pytest``.
"""

from __future__ import annotations

import importlib.metadata
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import pytest

from suites.exchanges import Exchange
from suites.leaks import cut

__all__ = [
    "AREAS",
    "DOCS_URL",
    "allure_active",
    "attach_exchanges",
    "describe_discovery",
    "failure_lines",
    "harness_version",
    "label_item",
    "one_line",
    "write_environment",
]

DOCS_URL = "https://docs.empiriolabs.ai"
ATTACHMENTS_PER_TEST = 20

_CHAT, _MESSAGES, _RESPONSES = "POST /v1/chat/completions", "POST /v1/messages", "POST /v1/responses"
AREAS: dict[str, tuple[str, str]] = {
    "test_auth": ("Authentication", "API keys on every endpoint"),
    "test_models": ("Models", "GET /v1/models"),
    "test_routing": ("Routing", "unknown paths and methods"),
    "test_schemathesis": ("Contract", "every operation (property-based)"),
    "test_cross_format": ("Cross-format", "one model, three formats"),
    "test_frameworks": ("Clients", "LangChain ChatOpenAI and ChatAnthropic"),
    "test_chat_basic": ("Chat Completions", _CHAT),
    "test_chat_stream": ("Chat Completions", _CHAT + " (stream)"),
    "test_chat_tools": ("Chat Completions", _CHAT + " · tools"),
    "test_chat_validation": ("Chat Completions", _CHAT + " · validation"),
    "test_chat_errors": ("Chat Completions", _CHAT + " · upstream errors"),
    "test_chat_reasoning": ("Chat Completions", _CHAT + " · reasoning"),
    "test_chat_sdk": ("Chat Completions", _CHAT + " · openai SDK"),
    "test_messages": ("Messages", _MESSAGES),
    "test_messages_stream": ("Messages", _MESSAGES + " (stream)"),
    "test_messages_tools": ("Messages", _MESSAGES + " · tools"),
    "test_sdk_anthropic": ("Messages", _MESSAGES + " · anthropic SDK"),
    "test_responses": ("Responses", _RESPONSES),
    "test_responses_stream": ("Responses", _RESPONSES + " (stream)"),
    "test_responses_tools": ("Responses", _RESPONSES + " · tools"),
    "test_sdk_responses": ("Responses", _RESPONSES + " · openai SDK"),
    "test_hostile_input": ("Hostile input", "bodies, paths and headers a fuzzer cannot generate"),
    "test_hostile_transport": ("Hostile input", "the transport: headers, slow clients, malformed HTTP"),
    "test_hostile_disconnects": ("Hostile input", "clients that go away: billed for what was delivered"),
}
_CRITICAL = {"test_auth", "test_chat_errors"}  # keys and leaks of the upstream


def _rules(item: pytest.Item) -> list[Any]:
    try:
        from suites.rules import rules_of
    except ImportError:
        return []
    return list(rules_of(item))


def _module(item: pytest.Item) -> str:
    path = getattr(item, "path", None)
    return path.stem if isinstance(path, Path) else item.nodeid.split("::")[0].rsplit("/", 1)[-1].removesuffix(".py")


def _source_url(source: str) -> str | None:
    if not source.startswith("docs:"):
        return None
    page, _, section = source[5:].partition("#")
    return f"{DOCS_URL}/{page}" + (f"#{section}" if section else "")


def label_item(item: pytest.Item) -> None:
    """Add the Allure behaviour labels, severity and rule sources to ``item`` as marks."""
    module = _module(item)
    epic, feature = AREAS.get(module, (module.removeprefix("test_").replace("_", " ").capitalize() or "Other",
                                       module))
    rules = _rules(item)
    stories = [r.name for r in rules] or [getattr(item, "originalname", None) or item.name]
    if module in _CRITICAL:
        severity = "critical"
    elif rules and all(r.kind == "decision" for r in rules):
        severity = "minor"
    else:
        severity = "normal"
    marks = [pytest.mark.allure_label(epic, label_type="epic"),
             pytest.mark.allure_label(feature, label_type="feature"),
             pytest.mark.allure_label(*stories, label_type="story"),
             pytest.mark.allure_label(severity, label_type="severity")]
    for rule in rules:
        marks.append(pytest.mark.allure_label(f"{rule.name}: {rule.source}", label_type="rule_source"))
        url = _source_url(rule.source)
        if url:
            marks.append(pytest.mark.allure_link(url, link_type="link", name=f"{rule.name} ({rule.source})"))
    hostile = item.get_closest_marker("hostile")
    if hostile is not None and hostile.args:
        marks.append(pytest.mark.allure_label(f"hostile:{hostile.args[0]}", label_type="tag"))
    for mark in marks:
        item.add_marker(mark)


def allure_active(config: pytest.Config) -> bool:
    return bool(getattr(config.option, "allure_report_dir", None)) and config.pluginmanager.hasplugin("allure_listener")


def _ordered(exchanges: Sequence[Exchange]) -> list[Exchange]:
    flagged = [e for e in exchanges if e.findings]
    rest = [e for e in exchanges if not e.findings]
    return (flagged + rest[-(ATTACHMENTS_PER_TEST - len(flagged)):] if len(flagged) < ATTACHMENTS_PER_TEST
            else flagged)[:ATTACHMENTS_PER_TEST]


def attach_exchanges(exchanges: Sequence[Exchange]) -> int:
    """Attach ``exchanges`` (at most :data:`ATTACHMENTS_PER_TEST`, flagged ones first) to the running
    Allure test; how many were attached (0 without ``allure``)."""
    try:
        import allure
    except ImportError:
        return 0
    chosen = _ordered(exchanges)
    for n, exchange in enumerate(chosen, 1):
        mark = " ⚠" if exchange.findings else ""
        allure.attach(exchange.transcript(), name=f"HTTP {n}: {exchange.title}{mark}",
                      attachment_type=allure.attachment_type.TEXT)
    return len(chosen)


def one_line(text: str, limit: int = 2000) -> str:
    """``text`` with its lines joined by `` | ``, at most ``limit`` characters."""
    parts = [" ".join(line.split()) for line in text.splitlines()]
    return cut(" | ".join(p for p in parts if p), limit)


def failure_lines(reports: Iterable[Any]) -> list[str]:
    """``nodeid: reason`` for each failed report, the reason on one line and not cut to a terminal width."""
    lines = []
    for report in reports:
        crash = getattr(getattr(report, "longrepr", None), "reprcrash", None)
        reason = crash.message if crash is not None else str(getattr(report, "longrepr", "") or "")
        phase = "" if report.when == "call" else f" [{report.when}]"
        lines.append(f"{report.nodeid}{phase}: {one_line(reason)}")
    return lines


def describe_discovery(discovery: Any) -> str:
    """One line on what discovery learnt (its own ``summary`` when it has one)."""
    summary = getattr(discovery, "summary", None)
    if callable(summary):
        summary = summary()
    if isinstance(summary, str) and summary:
        return one_line(summary, 500)
    models = list(getattr(discovery, "models", None) or ())
    if not models:
        return "no models listed"
    endpoints: dict[str, int] = {}
    for m in models:
        for e in m.get("endpoints", ()) if isinstance(m, dict) else ():
            endpoints[e] = endpoints.get(e, 0) + 1
    served = ", ".join(f"{e} ×{n}" for e, n in sorted(endpoints.items())) or "no endpoints declared"
    return f"{len(models)} models from /v1/models ({served})"


def harness_version() -> str:
    try:
        return importlib.metadata.version("empirio-conformance")
    except importlib.metadata.PackageNotFoundError:
        return "unknown (not installed)"


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("\n", "\\n")


def write_environment(directory: Path, values: dict[str, str]) -> Path:
    """``environment.properties`` in the Allure results ``directory``, one ``key = value`` per entry."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / "environment.properties"
    keys = {k: "".join(c if c.isalnum() or c in "._-" else "_" for c in k) for k in values}
    path.write_text("".join(f"{keys[k]} = {_escape(v)}\n" for k, v in values.items()), encoding="utf-8")
    return path
