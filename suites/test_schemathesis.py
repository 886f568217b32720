"""Property-based fuzzing of every operation of the contract with Schemathesis, positive and negative.

Requests go through the suites' client, so every response is also held to the shared contract and
counted for coverage; Schemathesis adds its own checks (server errors, status and content-type
conformance, negative data rejected, positive data accepted, auth not ignored). An operation whose body
names a ``model`` is valid or not by the catalog as well as by the schema (a model's own parameters,
ranges and enums, D-103), and an uploaded file by its sniffed bytes (D-81), so Schemathesis' positive-data
check, which knows only the schema, is left out for those operations; every other check applies to them. Examples per operation are bounded by
``EMPIRIO_FUZZ_EXAMPLES`` (default 30).
"""

from __future__ import annotations

import os
from functools import cache
from typing import Any

import pytest
import schemathesis
import yaml
from hypothesis import HealthCheck, settings
from schemathesis import GenerationMode
from schemathesis.specs.openapi.checks import positive_data_acceptance

from suites import SPEC_PATH
from suites.client import ApiClient
from suites.plugin import Target

MAX_EXAMPLES = int(os.environ.get("EMPIRIO_FUZZ_EXAMPLES", "30"))
_METHODS = ("get", "post", "put", "patch", "delete")


@cache
def _document() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(SPEC_PATH.read_text(encoding="utf-8"))
    return loaded


def _resolved(node: Any) -> Any:
    while isinstance(node, dict) and "$ref" in node:
        target: Any = _document()
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        node = target
    return node


def _operations() -> dict[str, dict[str, Any]]:
    """operationId → its operation object, for every operation of the contract."""
    return {op["operationId"]: op for item in _document()["paths"].values()
            for method, op in item.items() if method in _METHODS}


def _judged_beyond_schema(operation: dict[str, Any]) -> bool:
    """Whether a request body of the operation has a ``model`` property (valid by the catalog too, D-103) or
    is multipart (its file valid by its sniffed bytes, not its declared type, D-81)."""
    contents = (_resolved(operation.get("requestBody")) or {}).get("content", {})
    return "multipart/form-data" in contents or any(
        "model" in (_resolved(media.get("schema")) or {}).get("properties", {}) for media in contents.values())


OPERATIONS = tuple(_operations())
"""Every operationId of the contract: all of them are fuzzed."""
BEYOND_SCHEMA = frozenset(op_id for op_id, op in _operations().items() if _judged_beyond_schema(op))
"""Operations Schemathesis' positive-data check is not applied to: validity there is not the schema's alone."""


def _text(value: str) -> str:
    """``value`` with lone surrogates replaced: multipart names and values are sent as UTF-8."""
    return value.encode("utf-8", "surrogatepass").decode("utf-8", "replace")


def _multipart(files: list[tuple[str, tuple[Any, ...]]] | None) -> list[tuple[str, tuple[Any, ...]]] | None:
    """Schemathesis' multipart fields as httpx takes them: every value as bytes (it generates numbers and
    strings for non-file fields)."""
    if files is None:
        return None
    def raw(value: Any) -> bytes:
        return value if isinstance(value, bytes) else _text(value if isinstance(value, str) else str(value)).encode()
    return [(_text(name), (part[0], raw(part[1]), *part[2:])) for name, part in files]


@pytest.fixture(scope="session")
def api_schema(target: Target) -> Any:
    loaded = schemathesis.openapi.from_path(str(SPEC_PATH))
    loaded.config.update(base_url=target.base_url, headers={"Authorization": f"Bearer {target.api_key}"})
    loaded.config.generation.update(
        modes=[GenerationMode.POSITIVE, GenerationMode.NEGATIVE], max_examples=MAX_EXAMPLES, with_security_parameters=False
    )
    return loaded


schema = schemathesis.pytest.from_fixture("api_schema").include(operation_id=list(OPERATIONS))


@schema.parametrize()
@settings(max_examples=MAX_EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
@pytest.mark.rule("responses_match_contract", "not_a_server_error")
def test_fuzz(case: Any, api: ApiClient, target: Target) -> None:
    auth = {"Authorization": f"Bearer {target.api_key}"}
    kwargs = case.as_transport_kwargs(base_url=target.base_url, headers=auth)
    body = kwargs.pop("data", None)
    response = api.request(
        kwargs.pop("method"),
        kwargs.pop("url"),
        auth="none",
        headers={k: str(v) for k, v in (kwargs.pop("headers", None) or {}).items()},
        params=kwargs.pop("params", None),
        json=kwargs.pop("json", None),
        content=body if isinstance(body, (bytes, str)) else None,
        data=body if isinstance(body, dict) else None,
        files=_multipart(kwargs.pop("files", None)),
    )
    response.request.read()
    excluded = [positive_data_acceptance] if case.operation.definition.raw.get("operationId") in BEYOND_SCHEMA else []
    case.validate_response(response, headers=auth, excluded_checks=excluded)
