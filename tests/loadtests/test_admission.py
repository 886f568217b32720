"""The cost-of-admission benchmark runs and prints its two tables (tiny N: its figures mean nothing here)."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from suites import ROOT

pytestmark = pytest.mark.timeout(90)

_ROW = re.compile(r"^  (off|embedded|redis) +(-?[\d.]+ +)+")


def test_benchmark_prints_both_tables_with_a_row_per_configuration() -> None:
    run = subprocess.run([sys.executable, "-m", "loadtests.admission", "--requests", "5", "--cycles", "50"],
                         cwd=ROOT, capture_output=True, text=True, timeout=80, check=False)
    assert run.returncode == 0, run.stderr[-3000:]
    out = run.stdout
    assert "the limiter alone: 50 admit + reconcile cycles each" in out, out
    assert "through the gateway: 5 non-streaming chat requests each" in out, out
    micro, _, through = out.partition("through the gateway")
    names = ["off", "embedded"] + ([] if "redis: skipped" in out else ["redis"])
    for table in (micro, through):
        assert [m.group(1) for line in table.splitlines() if (m := _ROW.match(line))] == names, out
    assert re.search(r"^  redis .* [\d.]+x +[\d.]+x", through, re.MULTILINE) or "redis" not in names, out
