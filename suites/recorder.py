"""What a session saw: contract violations (per test), the running test's HTTP exchanges, and coverage
of the spec.

Coverage counts, for every operation of the spec, which documented statuses and which declared
stream event labels a suite actually received. A 5xx the operation does not document is a *finding*
(a server error nobody promised), listed apart and never counted as coverage. An operation counts as
exercised when any documented status of it was received. A documented status a suite showed it cannot
provoke from outside (a skip naming why, :meth:`Recorder.unprovoked`) is listed with its reason and still
counts as not covered (D-135). For every AsyncAPI channel it counts each message sent and received that
validated as that message (D-125): rows ``WS SEND`` and ``WS RECV`` of the channel, in the table and the total.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from suites.channel import RECV, SEND, ChannelContract
from suites.contract import Contract, Violation
from suites.exchanges import Exchange

__all__ = ["EXCHANGES_PER_TEST", "Recorder", "channel_rows", "coverage_percent", "coverage_rows", "findings",
           "format_table", "messages_exercised", "not_provocable", "operations_exercised", "write_coverage"]

EXCHANGES_PER_TEST = 200


@dataclass
class Recorder:
    violations: list[Violation] = field(default_factory=list)
    statuses: Counter[tuple[str, str]] = field(default_factory=Counter)
    events: Counter[tuple[str, str]] = field(default_factory=Counter)
    messages: Counter[tuple[str, str, str]] = field(default_factory=Counter)
    """(channel, ``send`` | ``recv``, message name) → how many validated as that message."""
    exchanges: list[Exchange] = field(default_factory=list)  # of the running test (the plugin clears it)
    upstreams: Any = None  # the mocks' request logs (suites.upstreams.UpstreamLog), when known
    unprovocable: dict[tuple[str, str], str] = field(default_factory=dict)  # (operation, status) → why

    def status(self, operation_id: str, status: int) -> None:
        self.statuses[(operation_id, str(status))] += 1

    def event(self, operation_id: str, label: str) -> None:
        self.events[(operation_id, label)] += 1

    def unprovoked(self, operation_id: str, status: int, reason: str) -> None:
        """A suite cannot provoke documented ``status`` of the operation from outside, for ``reason``."""
        self.unprovocable.setdefault((operation_id, str(status)), reason)

    def message(self, channel: str, direction: str, name: str) -> None:
        self.messages[(channel, direction, name)] += 1

    @property
    def seen_anything(self) -> bool:
        return bool(self.statuses or self.events or self.messages)

    def violation(self, violation: Violation) -> None:
        self.violations.append(violation)

    def exchange(self, exchange: Exchange) -> None:
        if len(self.exchanges) < EXCHANGES_PER_TEST:
            self.exchanges.append(exchange)


def coverage_rows(contract: Contract, recorder: Recorder) -> list[dict[str, Any]]:
    rows = []
    for op in contract.operations:
        statuses = [s for s in op.statuses if s.isdigit()
                    and (s not in op.optional_statuses or recorder.statuses[(op.id, s)])]
        undocumented = {s: n for (op_id, s), n in sorted(recorder.statuses.items())
                        if op_id == op.id and s.startswith("5") and not op.documents(int(s))}
        rows.append(
            {
                "operation": op.id,
                "method": op.method,
                "path": op.template,
                "statuses": {s: recorder.statuses[(op.id, s)] for s in statuses},
                "events": {label: recorder.events[(op.id, label)] for label in op.sse_events},
                "undocumented_5xx": undocumented,
                "not_provocable": {s: why for (op_id, s), why in sorted(recorder.unprovocable.items())
                                   if op_id == op.id and s in statuses and not recorder.statuses[(op.id, s)]},
            }
        )
    return rows


def channel_rows(channels: ChannelContract, recorder: Recorder) -> list[dict[str, Any]]:
    """One row per channel and direction: every message the AsyncAPI document declares, with counts."""
    rows = []
    for address, channel in channels.channels.items():
        for direction, method in ((SEND, "WS SEND"), (RECV, "WS RECV")):
            names = channel.messages[direction]
            if names:
                rows.append({"operation": channel.operations[direction], "method": method, "path": address,
                             "messages": {n: recorder.messages[(address, direction, n)] for n in names}})
    return rows


def _counted(row: dict[str, Any]) -> list[int]:
    return [*row.get("statuses", {}).values(), *row.get("events", {}).values(), *row.get("messages", {}).values()]


def findings(rows: list[dict[str, Any]]) -> list[str]:
    """Each undocumented 5xx received, as ``operation: status ×count``."""
    return [f"{r['operation']}: {s} ×{n}" for r in rows for s, n in r.get("undocumented_5xx", {}).items()]


def operations_exercised(rows: list[dict[str, Any]]) -> tuple[int, int]:
    """(HTTP operations with any documented status received, HTTP operations)."""
    http = [r for r in rows if "messages" not in r]
    return sum(1 for r in http if any(r["statuses"].values())), len(http)


def messages_exercised(rows: list[dict[str, Any]]) -> tuple[int, int]:
    """(AsyncAPI messages seen per channel and direction, messages declared)."""
    counts = [n for r in rows for n in r.get("messages", {}).values()]
    return sum(1 for n in counts if n), len(counts)


def not_provocable(rows: list[dict[str, Any]]) -> list[str]:
    """Each documented status never seen that a suite showed it cannot provoke, as ``operation status: why``."""
    return [f"{r['operation']} {s}: {why}" for r in rows for s, why in r.get("not_provocable", {}).items()]


def coverage_percent(rows: list[dict[str, Any]]) -> float:
    documented = sum(len(_counted(r)) for r in rows)
    seen = sum(sum(1 for n in _counted(r) if n) for r in rows)
    return 100.0 * seen / documented if documented else 100.0


def write_coverage(path: Path, rows: list[dict[str, Any]]) -> None:
    """``coverage.json``: the total, the findings, the operations' rows and the channels' (``messages``)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    exercised, total = operations_exercised(rows)
    received, declared = messages_exercised(rows)
    path.write_text(json.dumps({"percent": round(coverage_percent(rows), 2),
                                "operations_exercised": exercised, "operations_total": total,
                                "operations_percent": round(100.0 * exercised / total if total else 100.0, 2),
                                "messages_exercised": received, "messages_total": declared,
                                "findings": findings(rows), "not_provocable": not_provocable(rows),
                                "operations": [r for r in rows if "messages" not in r],
                                "channels": [r for r in rows if "messages" in r]}, indent=2))


def format_table(rows: list[dict[str, Any]]) -> list[str]:
    """The coverage table as lines of text: one row per operation, columns as wide as their longest cell."""
    cells = []
    for r in rows:
        if "messages" in r:
            statuses = f"{r['method']} " + " ".join(m if n else f"-{m}" for m, n in r["messages"].items())
        else:
            unprovocable = r.get("not_provocable", {})
            statuses = " ".join(s if n else f"~{s}" if s in unprovocable else f"-{s}"
                                for s, n in r["statuses"].items()) or "-"
        counted = _counted(r)
        done, total = sum(1 for n in counted if n), len(counted)
        events = r.get("events") or r.get("messages") or {}
        ev = f"{sum(1 for n in events.values() if n)}/{len(events)}" if events else "-"
        found = " ".join(f"{s}×{n}" for s, n in r.get("undocumented_5xx", {}).items()) or "-"
        cells.append((r["operation"], statuses, ev, f"{100 * done / total if total else 100:.1f}", found))
    head = ("operation", "statuses exercised", "stream events", "%", "undocumented 5xx")
    widths = [max(len(c[i]) for c in [head, *cells]) for i in range(len(head))]

    def line(c: tuple[str, ...]) -> str:
        return (f"{c[0]:<{widths[0]}}  {c[1]:<{widths[1]}}  {c[2]:>{widths[2]}}  {c[3]:>{widths[3]}}  "
                f"{c[4]:<{widths[4]}}").rstrip()

    lines = [line(head), *(line(c) for c in cells)]
    exercised, total = operations_exercised(rows)
    http = [r for r in rows if "messages" not in r]
    received, documented = (sum(1 for r in http for n in r["statuses"].values() if n),
                            sum(len(r["statuses"]) for r in http))
    sent, declared = messages_exercised(rows)
    lines.append(f"operations exercised: {exercised}/{total} ({100 * exercised / total if total else 100:.1f}%); "
                 f"documented statuses exercised: {received}/{documented} "
                 f"({100 * received / documented if documented else 100:.1f}%); "
                 f"AsyncAPI messages exercised: {sent}/{declared} "
                 f"({100 * sent / declared if declared else 100:.1f}%)")
    lines.append(f"total spec coverage: {coverage_percent(rows):.1f}%  (-NNN = documented status never seen; "
                 f"~NNN = never seen, shown not provocable from outside: still not covered; "
                 "WS rows: the channel's messages, -name = never seen)")
    unseen = not_provocable(rows)
    if unseen:
        lines.append(f"not provocable from outside ({len(unseen)}, not covered):")
        lines.extend(f"  {entry}" for entry in unseen)
    seen = findings(rows)
    if seen:
        lines.append(f"findings: {len(seen)} undocumented 5xx status(es), not coverage: {'; '.join(seen)}")
    return lines
