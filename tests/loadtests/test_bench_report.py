"""The benchmark's arithmetic (loadtests/bench/report.py): ratios to the floor and the upstream, the targets
judged from them, the sustained run's spread, and the files written."""

from __future__ import annotations

import json
from pathlib import Path

from loadtests.bench.report import Results, Sustained
from loadtests.bench.wrk import Point


def _point(target: str, mode: str, conns: int, rps: float, p50: float) -> Point:
    return Point(target, mode, conns, rps, p50, p50 * 3, int(rps * 6), 0, 0)


def _results() -> Results:
    results = Results(points=[
        _point("upstream", "non-stream", 1, 4000, 0.20), _point("relay", "non-stream", 1, 1200, 0.60),
        _point("gateway", "non-stream", 1, 1000, 0.65),
        _point("upstream", "non-stream", 16, 7000, 2.0), _point("relay", "non-stream", 16, 2500, 6.0),
        _point("gateway", "non-stream", 16, 1400, 11.0),
    ], ttft_ms={"upstream": 0.4, "relay": 0.8, "gateway": 1.2})
    results.sustained = Sustained(16, 10.0, rps=[500, 1000, 1050, 980], rss_mb=[80, 81, 81, 81])
    return results


def test_ratios_and_added_latency() -> None:
    results = _results()
    assert results.ratio("non-stream", 16, "relay") == 1400 / 2500
    assert abs((results.added_p50("non-stream", 1, "upstream") or 0) - 0.45) < 1e-9


def test_targets_are_judged_from_the_measurements() -> None:
    listed = _results().verdicts()
    verdicts = {v.name.split(":")[0]: v for v in listed if not v.name.startswith("sustained")}
    assert verdicts["16 connections"].met is False and verdicts["16 connections"].measured == "56%"
    assert verdicts["1 connection"].met is True
    assert verdicts["time to first token"].met is True
    sustained = [v for v in listed if v.name.startswith("sustained 40 s")]
    assert len(sustained) == 2 and all(v.met for v in sustained)  # the first slice warms up: 980–1050 is within 10 %


def test_spread_leaves_out_the_warm_up_slice() -> None:
    run = Sustained(16, 10.0)
    assert run.spread([100, 200, 210, 190]) == (210 - 190) / 200


def test_json_and_chart_are_written(tmp_path: Path) -> None:
    data, chart = _results().write(tmp_path)
    written = json.loads(data.read_text())
    assert written["ratios"][1]["gateway_over_relay"] == 1400 / 2500
    assert [t["met"] for t in written["targets"]][:3] == [False, True, True]
    assert chart.read_text().startswith("<svg") and chart.read_text().count("<rect") == 1 + 6 + 3
