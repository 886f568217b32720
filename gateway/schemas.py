"""Request schemas from ``specs/openapi.yaml``, compiled once at start-up: the gateway validates what
clients send against the same contract the suites hold it to (no schema is duplicated in code)."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Any

import jsonschema_rs
import yaml

from gateway.errors import InvalidRequest
from gateway.resources import spec_file

__all__ = ["RequestSchema", "request_schema"]

SPEC_PATH = spec_file("openapi.yaml")


@lru_cache(maxsize=1)
def _components(path: Path = SPEC_PATH) -> dict[str, Any]:
    return dict(yaml.safe_load(path.read_text(encoding="utf-8"))["components"])


def _param(path: list[str | int]) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


class RequestSchema:
    """One named request schema; :meth:`check` raises a 400 naming the first offending field."""

    def __init__(self, name: str) -> None:
        self.name = name
        root = {"$ref": f"#/components/schemas/{name}", "components": _components()}
        self._validator = jsonschema_rs.Draft202012Validator(root)

    def check(self, body: Any, *, missing_code: str = "missing_parameter") -> None:
        errors = list(self._validator.iter_errors(body))
        if not errors:
            return
        error = min(errors, key=lambda e: -len(list(e.instance_path)))
        path = list(error.instance_path)
        message = re.sub(r"\s+", " ", str(error.message))[:300]
        if isinstance(error.kind, jsonschema_rs.ValidationErrorKind.Required):
            param = _param([*path, str(error.kind.property)])
            raise InvalidRequest(f"Missing required parameter '{param}'.", param=param, code=missing_code)
        optional_param = _param(path) or None
        where = f" at '{optional_param}'" if optional_param else ""
        raise InvalidRequest(f"Invalid request{where}: {message}", param=optional_param, code="invalid_parameter")


@lru_cache(maxsize=16)
def request_schema(name: str) -> RequestSchema:
    return RequestSchema(name)
