"""House rule: ``gateway/``, ``suites/`` and ``loadtests/`` type-check under mypy --strict (configured in pyproject)."""

import subprocess
import sys

from suites import ROOT


def test_gateway_and_suites_typecheck() -> None:
    result = subprocess.run([sys.executable, "-m", "mypy", "gateway", "suites", "loadtests"], cwd=ROOT, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout[-4000:]
