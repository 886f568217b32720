"""Request schemas from ``specs/openapi.yaml``, compiled once at start-up: the gateway validates what
clients send against the same contract the suites hold it to (no schema is duplicated in code)."""

from __future__ import annotations

import json
import re
from functools import lru_cache
from pathlib import Path
from typing import Any

import jsonschema_rs
import yaml

from gateway.errors import InvalidRequest
from gateway.resources import spec_file

__all__ = ["ASYNCAPI_PATH", "RequestSchema", "check_tool_schema", "field_path", "message_schema",
           "request_properties", "request_schema"]

SPEC_PATH = spec_file("openapi.yaml")
ASYNCAPI_PATH = spec_file("asyncapi.yaml")


@lru_cache(maxsize=2)
def _components(path: Path = SPEC_PATH) -> dict[str, Any]:
    return dict(yaml.safe_load(path.read_text(encoding="utf-8"))["components"])


def field_path(path: list[str | int]) -> str:
    """A JSON path as a request field name: ``messages[0].content``."""
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


_Error = Any
_BRANCHES = ("AnyOf", "OneOfNotValid")


def _kind(error: _Error) -> str:
    return type(error.kind).__name__


def _misses_discriminator(errors: list[_Error]) -> bool:
    """Whether a branch failed on its ``type`` (the field that picks the branch), not on the rest."""
    for e in errors:
        path = list(e.instance_path)
        if _kind(e) in ("Constant", "Enum") and path and path[-1] == "type":
            return True
        if _kind(e) == "Required" and e.kind.property == "type":
            return True
    return False


def _depth(errors: list[_Error]) -> int:
    return max((len(list(e.instance_path)) for e in errors), default=0)


def _cause(error: _Error) -> _Error:
    """The error that explains ``error``: inside an ``anyOf``/``oneOf``, the branch the value was meant for
    (its ``type`` matched, else the one it got furthest into), recursively."""
    while _kind(error) in _BRANCHES:
        branches = [list(b) for b in error.kind.context if b]
        meant = [b for b in branches if not _misses_discriminator(b)]
        if not meant and isinstance(error.instance, dict) and "type" in error.instance:
            return error
        meant = meant or branches
        if not meant or (len(meant) > 1 and len({_depth(b) for b in meant}) == 1 and
                         _depth(meant[0]) == len(list(error.instance_path))):
            return error
        best = max(meant, key=lambda b: (_depth(b), -len(b)))
        error = max(best, key=lambda e: len(list(e.instance_path)))
    return error


def _quoted(values: list[Any]) -> str:
    return ", ".join(json.dumps(v) for v in values)


def _reason(error: _Error) -> str:
    """A short reason, never the offending value itself (it may be the whole input)."""
    kind, details = _kind(error), error.kind.as_dict()
    if kind == "Type":
        return f"expected {' or '.join(details['types'])}"
    if kind == "Enum":
        return f"expected one of {_quoted(details['options'])}"
    if kind == "Constant":
        return f"expected {json.dumps(details['expected_value'])}"
    if kind in _BRANCHES:
        kinds = sorted({str(e.kind.as_dict().get("expected_value")) for b in error.kind.context for e in b
                        if _kind(e) == "Constant" and list(e.instance_path)[-1:] == ["type"]})
        return "not a valid item" + (f" (type must be one of {', '.join(kinds)})" if kinds else "") \
            if list(error.instance_path) and isinstance(list(error.instance_path)[-1], int) \
            else "matches none of the accepted forms"
    message = re.sub(r"\s+", " ", str(error.message))
    shown = json.dumps(error.instance, separators=(",", ":"), ensure_ascii=False)
    return message.replace(shown, "value", 1)[:200] if len(shown) > 40 else message[:200]


class RequestSchema:
    """One named request schema; :meth:`check` raises a 400 naming the first offending field."""

    def __init__(self, name: str, spec: Path = SPEC_PATH) -> None:
        self.name = name
        root = {"$ref": f"#/components/schemas/{name}", "components": _components(spec)}
        self._validator = jsonschema_rs.Draft202012Validator(root)

    def check(self, body: Any, *, missing_code: str = "missing_parameter") -> None:
        errors = list(self._validator.iter_errors(body))
        if not errors:
            return
        error = _cause(min(errors, key=lambda e: -len(list(e.instance_path))))
        path = list(error.instance_path)
        if isinstance(error.kind, jsonschema_rs.ValidationErrorKind.Required):
            param = field_path([*path, str(error.kind.property)])
            raise InvalidRequest(f"Missing required parameter '{param}'.", param=param, code=missing_code)
        optional_param = field_path(path) or None
        where = f" at '{optional_param}'" if optional_param else ""
        raise InvalidRequest(f"Invalid request{where}: {_reason(error)}.", param=optional_param,
                             code="invalid_parameter")


def request_properties(name: str) -> dict[str, Any]:
    """The declared properties of the spec's request schema ``name`` (ranges, enums, types)."""
    return dict(_components()["schemas"][name].get("properties", {}))


@lru_cache(maxsize=16)
def request_schema(name: str) -> RequestSchema:
    return RequestSchema(name)


@lru_cache(maxsize=4)
def message_schema(name: str) -> RequestSchema:
    """A client message's payload schema of ``specs/asyncapi.yaml`` (the run-events channel)."""
    return RequestSchema(name, ASYNCAPI_PATH)


_KNOWN_DRAFTS = frozenset({
    "http://json-schema.org/draft-04/schema", "http://json-schema.org/draft-06/schema",
    "http://json-schema.org/draft-07/schema", "https://json-schema.org/draft/2019-09/schema",
    "https://json-schema.org/draft/2020-12/schema",
})


def check_tool_schema(schema: Any, param: str) -> None:
    """400 at ``param`` unless ``schema`` is a valid JSON Schema (its ``$schema`` draft, else 2020-12; D-68).

    Only the drafts' own metaschemas are used: a ``$schema`` naming anything else is refused, never fetched."""
    if not isinstance(schema, dict):
        raise InvalidRequest(f"Invalid tool schema at '{param}': expected a JSON Schema object.", param=param)
    declared = schema.get("$schema")
    if declared is not None and (not isinstance(declared, str) or declared.rstrip("#") not in _KNOWN_DRAFTS):
        raise InvalidRequest(f"Invalid tool schema at '{param}': $schema must name a JSON Schema draft "
                             "(draft-04 to 2020-12).", param=f"{param}.$schema")
    try:
        jsonschema_rs.meta.validate(schema)
    except jsonschema_rs.ValidationError as error:
        where = field_path([*param.split("."), *error.instance_path]) if error.instance_path else param
        raise InvalidRequest(f"Invalid tool schema at '{where}': {_reason(error)}.", param=param) from None
    except jsonschema_rs.ReferencingError:
        raise InvalidRequest(f"Invalid tool schema at '{param}': it refers to a schema that is not part of it.",
                             param=param) from None
