"""The two specs are valid documents: openapi-spec-validator, Redocly lint, the AsyncAPI parser."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest
from openapi_spec_validator import validate
from openapi_spec_validator.validation.exceptions import OpenAPIValidationError
from specs_support import ASYNCAPI_PATH, OPENAPI_PATH, ROOT, SPECS

ENV = {**os.environ, "NO_COLOR": "1", "FORCE_COLOR": "0", "REDOCLY_TELEMETRY": "off", "CI": "true"}


def _run(args: list[str], timeout: int = 180) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        args, check=False, cwd=ROOT, env=ENV, capture_output=True, text=True, timeout=timeout
    )


# --- OpenAPI ----------------------------------------------------------------


def test_openapi_is_3_1(openapi: dict[str, Any]) -> None:
    assert openapi["openapi"] == "3.1.0"


def test_openapi_spec_validator_accepts_it(openapi: dict[str, Any]) -> None:
    validate(openapi)


def test_openapi_spec_validator_rejects_a_broken_copy(openapi: dict[str, Any]) -> None:
    broken = json.loads(json.dumps(openapi))
    del broken["paths"]["/v1/models"]["get"]["responses"]["200"]["description"]
    with pytest.raises(OpenAPIValidationError):
        validate(broken)


def _redocly(node_tools: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    return _run(["npx", "--no-install", "redocly", "lint", *extra, str(OPENAPI_PATH.relative_to(ROOT))])


def test_redocly_lint_has_no_errors(node_tools: Path) -> None:
    """The exact command from the brief, with Redocly's built-in recommended ruleset."""
    proc = _redocly(node_tools)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out
    assert "Your API description is valid" in out, out


def test_redocly_lint_with_project_config_is_clean(node_tools: Path) -> None:
    proc = _redocly(
        node_tools, "--config", str((SPECS / "redocly.yaml").relative_to(ROOT)), "--format=summary"
    )
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out
    assert "error " not in out, out


def test_redocly_lint_fails_on_a_broken_copy(node_tools: Path, tmp_path: Path) -> None:
    broken = OPENAPI_PATH.read_text(encoding="utf-8").replace(
        "$ref: '#/components/schemas/ModelList'", "$ref: '#/components/schemas/NoSuchSchema'", 1
    )
    target = tmp_path / "broken-openapi.yaml"
    target.write_text(broken, encoding="utf-8")
    proc = _run(["npx", "--no-install", "redocly", "lint", str(target)])
    assert proc.returncode != 0, proc.stdout + proc.stderr


# --- AsyncAPI ---------------------------------------------------------------

VALIDATE_ASYNCAPI = SPECS / "tools" / "validate-asyncapi.mjs"


def test_asyncapi_parser_accepts_it(node_tools: Path) -> None:
    proc = _run(["node", str(VALIDATE_ASYNCAPI), str(ASYNCAPI_PATH)])
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out
    assert "valid AsyncAPI 2.6.0" in out, out
    assert "\nerror\t" not in "\n" + out, out


def test_asyncapi_parser_rejects_a_broken_copy(node_tools: Path, tmp_path: Path) -> None:
    broken = ASYNCAPI_PATH.read_text(encoding="utf-8").replace(
        "$ref: '#/components/messages/runFailed'", "$ref: '#/components/messages/noSuchMessage'", 1
    )
    target = tmp_path / "broken-asyncapi.yaml"
    target.write_text(broken, encoding="utf-8")
    proc = _run(["node", str(VALIDATE_ASYNCAPI), str(target)])
    out = proc.stdout + proc.stderr
    assert proc.returncode == 1, out
    assert "invalid-ref" in out, out
