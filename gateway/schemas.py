"""Request schemas from ``specs/openapi.yaml``, compiled once at start-up: the gateway validates what
clients send against the same contract the suites hold it to (no schema is duplicated in code)."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Any

import jsonschema_rs
import yaml

from gateway.config import ROOT
from gateway.errors import InvalidRequest

__all__ = ["RequestSchema", "request_schema"]

SPEC_PATH = ROOT / "specs" / "openapi.yaml"


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

    def check(self, body: Any) -> None:
        errors = list(self._validator.iter_errors(body))
        if not errors:
            return
        error = min(errors, key=lambda e: -len(list(e.instance_path)))
        param = _param(list(error.instance_path)) or None
        message = re.sub(r"\s+", " ", str(error.message))[:300]
        where = f" at '{param}'" if param else ""
        raise InvalidRequest(f"Invalid request{where}: {message}", param=param, code="invalid_parameter")


@lru_cache(maxsize=16)
def request_schema(name: str) -> RequestSchema:
    return RequestSchema(name)
