"""The conformance suites and the pytest plugin (:mod:`suites.plugin`) that runs them against any
EmpirioLabs-compatible deployment."""

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SPEC_PATH = ROOT / "specs" / "openapi.yaml"
