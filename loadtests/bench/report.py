"""The benchmark's results: the table and ratios printed, the targets of issue 13 judged, ``reports/bench.json``
and a bar chart ``reports/bench.svg``."""

from __future__ import annotations

import itertools
import json
import os
import platform
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from loadtests.bench.wrk import Point

__all__ = ["Results", "Sustained", "Verdict"]

FLOOR, DIRECT, GATEWAY = "relay", "upstream", "gateway"


@dataclass
class Sustained:
    """Throughput and the gateway's resident memory, one value per slice of a long run."""

    connections: int
    slice_seconds: float
    rps: list[float] = field(default_factory=list)
    rss_mb: list[float] = field(default_factory=list)

    def spread(self, values: list[float]) -> float:
        """(max − min) / mean over the slices after the first (the first warms up)."""
        steady = values[1:] if len(values) > 2 else values
        mean = sum(steady) / len(steady) if steady else 0.0
        return (max(steady) - min(steady)) / mean if mean else 0.0


@dataclass(frozen=True)
class Verdict:
    name: str
    measured: str
    met: bool | None
    """``None``: not measured in this run."""


@dataclass
class Results:
    points: list[Point] = field(default_factory=list)
    ttft_ms: dict[str, float] = field(default_factory=dict)
    sustained: Sustained | None = None
    workers: dict[int, float] = field(default_factory=dict)
    """Gateway requests/s at 16 connections by worker count (when measured)."""
    peers: list[str] = field(default_factory=list)

    def point(self, target: str, mode: str, connections: int) -> Point | None:
        return next((p for p in self.points if (p.target, p.mode, p.connections) == (target, mode, connections)), None)

    def groups(self) -> list[tuple[str, int]]:
        seen: list[tuple[str, int]] = []
        for p in self.points:
            if (p.mode, p.connections) not in seen:
                seen.append((p.mode, p.connections))
        return seen

    def targets_seen(self) -> list[str]:
        return list(dict.fromkeys(p.target for p in self.points))

    def ratio(self, mode: str, connections: int, over: str) -> float | None:
        gateway, other = self.point(GATEWAY, mode, connections), self.point(over, mode, connections)
        return gateway.rps / other.rps if gateway and other and other.rps else None

    def added_p50(self, mode: str, connections: int, over: str) -> float | None:
        gateway, other = self.point(GATEWAY, mode, connections), self.point(over, mode, connections)
        return gateway.p50_ms - other.p50_ms if gateway and other else None

    def verdicts(self) -> list[Verdict]:
        """The targets of issue 13, each met, missed or not measured."""
        out: list[Verdict] = []
        share = self.ratio("non-stream", 16, FLOOR)
        out.append(Verdict("16 connections: ≥ 60 % of the bare relay's requests/s",
                           f"{share:.0%}" if share is not None else "not measured",
                           None if share is None else share >= 0.60))
        added = self.added_p50("non-stream", 1, DIRECT)
        out.append(Verdict("1 connection: ≤ 0.5 ms added to the median over the direct upstream",
                           f"+{added:.2f} ms" if added is not None else "not measured",
                           None if added is None else added <= 0.5))
        if GATEWAY in self.ttft_ms and DIRECT in self.ttft_ms:
            over = self.ttft_ms[GATEWAY] - self.ttft_ms[DIRECT]
            out.append(Verdict("time to first token: ≤ 1 ms overhead", f"+{over:.2f} ms", over <= 1.0))
        for peer in self.peers:
            times = self.ratio("non-stream", 16, peer)
            out.append(Verdict(f"16 connections: ≥ 20× {peer}'s requests/s",
                               f"{times:.1f}×" if times is not None else "not measured",
                               None if times is None else times >= 20))
        if self.sustained is not None and self.sustained.rps:
            rps, rss = self.sustained.spread(self.sustained.rps), self.sustained.spread(self.sustained.rss_mb)
            span = f"{len(self.sustained.rps) * self.sustained.slice_seconds:.0f} s"
            out.append(Verdict(f"sustained {span}: throughput flat within 10 %", f"spread {rps:.1%}", rps <= 0.10))
            out.append(Verdict(f"sustained {span}: memory flat (within 10 %)", f"spread {rss:.1%}", rss <= 0.10))
        if len(self.workers) > 1:
            ordered = sorted(self.workers.items())
            grows = all(b[1] > a[1] for a, b in itertools.pairwise(ordered))
            out.append(Verdict("throughput grows with workers up to the core count",
                               ", ".join(f"{w}: {r:.0f}/s" for w, r in ordered), grows))
        return out

    def table(self) -> str:
        """The printed table: requests/s and p50/p99 per target, then the gateway's ratios."""
        names = self.targets_seen()
        head = f"{'mode':<11}{'conns':>6}" + "".join(f"{n + ' rps':>16}{'p50/p99 ms':>16}" for n in names)
        head += f"{'gw/relay':>10}{'gw/upstr':>10}{'+p50 vs upstr':>15}{'+p50 vs relay':>15}"
        lines = [head]
        for mode, conns in self.groups():
            row = f"{mode:<11}{conns:>6}"
            for name in names:
                p = self.point(name, mode, conns)
                row += f"{p.rps:>16,.0f}{f'{p.p50_ms:.2f}/{p.p99_ms:.2f}':>16}" if p else f"{'-':>16}{'-':>16}"
            for value in (self.ratio(mode, conns, FLOOR), self.ratio(mode, conns, DIRECT)):
                row += f"{f'{value:.0%}' if value is not None else '-':>10}"
            for over in (DIRECT, FLOOR):
                added = self.added_p50(mode, conns, over)
                row += f"{f'{added:+.2f} ms' if added is not None else '-':>15}"
            lines.append(row)
        errors = [p for p in self.points if p.non_2xx or p.socket_errors]
        for p in errors:
            lines.append(f"  ! {p.target} {p.mode} c{p.connections}: {p.non_2xx} non-2xx, {p.socket_errors} socket errors")
        if self.ttft_ms:
            lines.append("time to first token (median, 1 connection): " + ", ".join(
                f"{n} {v:.2f} ms" for n, v in self.ttft_ms.items()))
        return "\n".join(lines)

    def as_dict(self) -> dict[str, Any]:
        return {
            "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()},
            "points": [p.as_dict() for p in self.points],
            "ratios": [{"mode": m, "connections": c, "gateway_over_relay": self.ratio(m, c, FLOOR),
                        "gateway_over_upstream": self.ratio(m, c, DIRECT),
                        "added_p50_ms_over_upstream": self.added_p50(m, c, DIRECT),
                        "added_p50_ms_over_relay": self.added_p50(m, c, FLOOR)} for m, c in self.groups()],
            "ttft_ms": self.ttft_ms,
            "sustained": None if self.sustained is None else {
                "connections": self.sustained.connections, "slice_seconds": self.sustained.slice_seconds,
                "rps": self.sustained.rps, "rss_mb": self.sustained.rss_mb},
            "workers_rps": self.workers,
            "targets": [{"name": v.name, "measured": v.measured, "met": v.met} for v in self.verdicts()],
        }

    def write(self, folder: Path) -> tuple[Path, Path]:
        """``bench.json`` and ``bench.svg`` in ``folder``."""
        folder.mkdir(parents=True, exist_ok=True)
        data, chart = folder / "bench.json", folder / "bench.svg"
        data.write_text(json.dumps(self.as_dict(), indent=2) + "\n")
        chart.write_text(self.svg())
        return data, chart

    def svg(self) -> str:
        """Grouped bars of requests/s: one group per (mode, connections), one bar per target."""
        groups, names = self.groups(), self.targets_seen()
        colours = ["#7f8c8d", "#2980b9", "#27ae60", "#c0392b", "#8e44ad"]
        top = max((p.rps for p in self.points), default=1.0) or 1.0
        bar, gap, height, left, base = 18, 24, 220, 60, 250
        width = left + len(groups) * (len(names) * bar + gap) + 160
        parts = [(f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="300" font-family="sans-serif" '
                 f'font-size="11"><rect width="100%" height="100%" fill="white"/>'),
                 f'<text x="{left}" y="16" font-size="13">requests/s (higher is better)</text>',
                 f'<line x1="{left - 4}" y1="{base}" x2="{width - 160}" y2="{base}" stroke="#333"/>']
        for g, (mode, conns) in enumerate(groups):
            x0 = left + g * (len(names) * bar + gap)
            for i, name in enumerate(names):
                p = self.point(name, mode, conns)
                if p is None:
                    continue
                h = p.rps / top * height
                parts.append(f'<rect x="{x0 + i * bar}" y="{base - h:.1f}" width="{bar - 2}" height="{h:.1f}" '
                             f'fill="{colours[i % len(colours)]}"><title>{name} {mode} c{conns}: {p.rps:.0f}/s</title></rect>')
            parts.append(f'<text x="{x0}" y="{base + 14}">{mode}</text><text x="{x0}" y="{base + 28}">c{conns}</text>')
        for i, name in enumerate(names):
            y = 40 + i * 16
            parts.append(f'<rect x="{width - 150}" y="{y - 10}" width="12" height="12" fill="{colours[i % len(colours)]}"/>'
                         f'<text x="{width - 132}" y="{y}">{name}</text>')
        parts.append("</svg>\n")
        return "\n".join(parts)
