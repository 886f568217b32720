"""Fixtures for the contract tests: the two spec documents and schema validators.

The specs live in `specs/` at the repository root; these tests prove they are
valid (OpenAPI 3.1, Redocly lint, AsyncAPI parser), structurally complete, and
that their component schemas accept realistic wire payloads and reject wrong ones.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012
from specs_support import ASYNCAPI_PATH, ASYNCAPI_URI, OPENAPI_PATH, OPENAPI_URI, ROOT


def _load(path: Path) -> dict[str, Any]:
    with path.open(encoding="utf-8") as fh:
        doc = yaml.safe_load(fh)
    assert isinstance(doc, dict), f"{path} is not a YAML mapping"
    return doc


@pytest.fixture(scope="session")
def openapi() -> dict[str, Any]:
    return _load(OPENAPI_PATH)


@pytest.fixture(scope="session")
def asyncapi() -> dict[str, Any]:
    return _load(ASYNCAPI_PATH)


def _validator_factory(doc: dict[str, Any], uri: str) -> Callable[[str], Draft202012Validator]:
    registry: Registry = Registry().with_resource(
        uri, Resource.from_contents(doc, default_specification=DRAFT202012)
    )

    def make(name: str) -> Draft202012Validator:
        schema = {"$ref": f"{uri}#/components/schemas/{name}"}
        return Draft202012Validator(
            schema, registry=registry, format_checker=Draft202012Validator.FORMAT_CHECKER
        )

    return make


@pytest.fixture(scope="session")
def schema(openapi: dict[str, Any]) -> Callable[[str], Draft202012Validator]:
    """`schema("ChatCompletion")` -> a Draft 2020-12 validator for that component."""
    return _validator_factory(openapi, OPENAPI_URI)


@pytest.fixture(scope="session")
def async_schema(asyncapi: dict[str, Any]) -> Callable[[str], Draft202012Validator]:
    return _validator_factory(asyncapi, ASYNCAPI_URI)


@pytest.fixture(scope="session")
def node_tools() -> Path:
    """The repository's node_modules. Absent is a failure, not a skip: `make test` installs it."""
    node_modules = ROOT / "node_modules"
    missing = [
        pkg
        for pkg in ("@redocly/cli", "@asyncapi/parser")
        if not (node_modules / pkg / "package.json").is_file()
    ]
    assert not missing, (
        f"node packages {missing} are not installed under {node_modules}; run `npm ci` (make test does)"
    )
    assert shutil.which("node"), "node is not on PATH"
    assert shutil.which("npx"), "npx is not on PATH"
    return node_modules
