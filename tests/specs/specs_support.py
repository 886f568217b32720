"""Paths shared by the contract tests (imported by conftest and the test modules)."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SPECS = ROOT / "specs"
OPENAPI_PATH = SPECS / "openapi.yaml"
ASYNCAPI_PATH = SPECS / "asyncapi.yaml"
OPENAPI_URI = "urn:empiriolabs:openapi"
ASYNCAPI_URI = "urn:empiriolabs:asyncapi"
