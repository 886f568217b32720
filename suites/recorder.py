"""What a session saw: contract violations (per test) and coverage of the spec.

Coverage counts, for every operation of the spec, which documented statuses and which declared
stream event labels a suite actually received.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from suites.contract import Contract, Violation

__all__ = ["Recorder", "coverage_percent", "coverage_rows", "format_table", "write_coverage"]


@dataclass
class Recorder:
    violations: list[Violation] = field(default_factory=list)
    statuses: Counter[tuple[str, str]] = field(default_factory=Counter)
    events: Counter[tuple[str, str]] = field(default_factory=Counter)

    def status(self, operation_id: str, status: int) -> None:
        self.statuses[(operation_id, str(status))] += 1

    def event(self, operation_id: str, label: str) -> None:
        self.events[(operation_id, label)] += 1

    def violation(self, violation: Violation) -> None:
        self.violations.append(violation)


def coverage_rows(contract: Contract, recorder: Recorder) -> list[dict[str, Any]]:
    rows = []
    for op in contract.operations:
        statuses = [s for s in op.statuses if s.isdigit()
                    and (s not in op.optional_statuses or recorder.statuses[(op.id, s)])]
        rows.append(
            {
                "operation": op.id,
                "method": op.method,
                "path": op.template,
                "statuses": {s: recorder.statuses[(op.id, s)] for s in statuses},
                "events": {label: recorder.events[(op.id, label)] for label in op.sse_events},
            }
        )
    return rows


def coverage_percent(rows: list[dict[str, Any]]) -> float:
    documented = sum(len(r["statuses"]) + len(r["events"]) for r in rows)
    seen = sum(sum(1 for n in r["statuses"].values() if n) + sum(1 for n in r["events"].values() if n) for r in rows)
    return 100.0 * seen / documented if documented else 100.0


def write_coverage(path: Path, rows: list[dict[str, Any]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"percent": round(coverage_percent(rows), 2), "operations": rows}, indent=2))


def format_table(rows: list[dict[str, Any]]) -> list[str]:
    """The coverage table as lines of text: one row per operation."""
    lines = [f"{'operation':<28} {'statuses exercised':<44} {'stream events':>13}  {'%':>5}"]
    for r in rows:
        statuses = " ".join(s if n else f"-{s}" for s, n in r["statuses"].items())
        done = sum(1 for n in r["statuses"].values() if n) + sum(1 for n in r["events"].values() if n)
        total = len(r["statuses"]) + len(r["events"])
        ev = f"{sum(1 for n in r['events'].values() if n)}/{len(r['events'])}" if r["events"] else "-"
        lines.append(f"{r['operation']:<28} {statuses:<44} {ev:>13}  {100 * done / total if total else 100:5.1f}")
    lines.append(f"total spec coverage: {coverage_percent(rows):.1f}%  (-NNN = documented status never seen)")
    return lines
