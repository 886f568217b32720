"""What a session saw: contract violations (per test), the running test's HTTP exchanges, and coverage
of the spec.

Coverage counts, for every operation of the spec, which documented statuses and which declared
stream event labels a suite actually received. A 5xx the operation does not document is a *finding*
(a server error nobody promised), listed apart and never counted as coverage. An operation counts as
exercised when any documented status of it was received. A documented status a suite showed it cannot
provoke from outside (a skip naming why, :meth:`Recorder.unprovoked`) is listed with its reason and still
counts as not covered (D-135).
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from suites.contract import Contract, Violation
from suites.exchanges import Exchange

__all__ = ["EXCHANGES_PER_TEST", "Recorder", "coverage_percent", "coverage_rows", "findings", "format_table",
           "not_provocable", "operations_exercised", "write_coverage"]

EXCHANGES_PER_TEST = 200


@dataclass
class Recorder:
    violations: list[Violation] = field(default_factory=list)
    statuses: Counter[tuple[str, str]] = field(default_factory=Counter)
    events: Counter[tuple[str, str]] = field(default_factory=Counter)
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


def findings(rows: list[dict[str, Any]]) -> list[str]:
    """Each undocumented 5xx received, as ``operation: status ×count``."""
    return [f"{r['operation']}: {s} ×{n}" for r in rows for s, n in r.get("undocumented_5xx", {}).items()]


def operations_exercised(rows: list[dict[str, Any]]) -> tuple[int, int]:
    """(operations with any documented status received, operations)."""
    return sum(1 for r in rows if any(r["statuses"].values())), len(rows)


def not_provocable(rows: list[dict[str, Any]]) -> list[str]:
    """Each documented status never seen that a suite showed it cannot provoke, as ``operation status: why``."""
    return [f"{r['operation']} {s}: {why}" for r in rows for s, why in r.get("not_provocable", {}).items()]


def coverage_percent(rows: list[dict[str, Any]]) -> float:
    documented = sum(len(r["statuses"]) + len(r["events"]) for r in rows)
    seen = sum(sum(1 for n in r["statuses"].values() if n) + sum(1 for n in r["events"].values() if n) for r in rows)
    return 100.0 * seen / documented if documented else 100.0


def write_coverage(path: Path, rows: list[dict[str, Any]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    exercised, total = operations_exercised(rows)
    path.write_text(json.dumps({"percent": round(coverage_percent(rows), 2),
                                "operations_exercised": exercised, "operations_total": total,
                                "operations_percent": round(100.0 * exercised / total if total else 100.0, 2),
                                "findings": findings(rows), "not_provocable": not_provocable(rows),
                                "operations": rows}, indent=2))


def format_table(rows: list[dict[str, Any]]) -> list[str]:
    """The coverage table as lines of text: one row per operation, columns as wide as their longest cell."""
    cells = []
    for r in rows:
        unprovocable = r.get("not_provocable", {})
        statuses = " ".join(s if n else f"~{s}" if s in unprovocable else f"-{s}"
                            for s, n in r["statuses"].items()) or "-"
        done = sum(1 for n in r["statuses"].values() if n) + sum(1 for n in r["events"].values() if n)
        total = len(r["statuses"]) + len(r["events"])
        ev = f"{sum(1 for n in r['events'].values() if n)}/{len(r['events'])}" if r["events"] else "-"
        found = " ".join(f"{s}×{n}" for s, n in r.get("undocumented_5xx", {}).items()) or "-"
        cells.append((r["operation"], statuses, ev, f"{100 * done / total if total else 100:.1f}", found))
    head = ("operation", "statuses exercised", "stream events", "%", "undocumented 5xx")
    widths = [max(len(c[i]) for c in [head, *cells]) for i in range(len(head))]

    def line(c: tuple[str, ...]) -> str:
        return (f"{c[0]:<{widths[0]}}  {c[1]:<{widths[1]}}  {c[2]:>{widths[2]}}  {c[3]:>{widths[3]}}  "
                f"{c[4]:<{widths[4]}}").rstrip()

    lines = [line(head), *(line(c) for c in cells)]
    exercised, total = operations_exercised(rows)
    received, documented = (sum(1 for r in rows for n in r["statuses"].values() if n),
                            sum(len(r["statuses"]) for r in rows))
    lines.append(f"operations exercised: {exercised}/{total} ({100 * exercised / total if total else 100:.1f}%); "
                 f"documented statuses exercised: {received}/{documented} "
                 f"({100 * received / documented if documented else 100:.1f}%)")
    lines.append(f"total spec coverage: {coverage_percent(rows):.1f}%  (-NNN = documented status never seen; "
                 f"~NNN = never seen, shown not provocable from outside: still not covered)")
    unseen = not_provocable(rows)
    if unseen:
        lines.append(f"not provocable from outside ({len(unseen)}, not covered):")
        lines.extend(f"  {entry}" for entry in unseen)
    seen = findings(rows)
    if seen:
        lines.append(f"findings: {len(seen)} undocumented 5xx status(es), not coverage: {'; '.join(seen)}")
    return lines
