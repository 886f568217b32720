"""The contract every response is held to: ``specs/openapi.yaml``, loaded once per process.

:class:`Contract` finds the operation for a request, validates a whole response through one
openapi-core validator, and validates each SSE event against the named schema the operation's
``text/event-stream`` media type lists under ``x-sse-events``.

Required fields follow the rule profile (:mod:`suites.rules`): a schema's ``required`` lists what the
docs or the upstream API promise; fields only a decision of ours requires are listed next to it as
``x-decision-required: {"D-N": [fields]}`` and are required only under ``--rules all``. Likewise a
schema marked ``x-decision-refinement: D-N`` (e.g. the error type pinned to each status, D-2) narrows
the schemas it extends (its ``allOf`` references) by a decision: under ``--rules documented`` only
those references apply.
"""

from __future__ import annotations

import copy
import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from jsonschema import Draft202012Validator
from openapi_core import Config, OpenAPI
from openapi_core.datatypes import RequestParameters
from openapi_core.validation.response import V31ResponseDataValidator, V31ResponseHeadersValidator
from referencing import Registry
from referencing.jsonschema import DRAFT202012
from werkzeug.datastructures import Headers, ImmutableMultiDict

from suites import SPEC_PATH
from suites.rules import Profile
from suites.rules import profile as _current

__all__ = ["Contract", "Operation", "Violation", "load_contract"]

_SPEC_URI = "urn:empirio:openapi"
_METHODS = ("get", "post", "put", "patch", "delete")
_BODY_VERDICTS = 1024
"""How many bodies' verdicts a contract remembers (a verdict is a few lines; the body is kept as a digest)."""


@dataclass(frozen=True)
class Violation:
    """One way a response broke the contract."""

    operation: str
    status: int
    message: str

    def __str__(self) -> str:
        return f"{self.operation} → {self.status}: {self.message}"


@dataclass(frozen=True)
class Operation:
    id: str
    method: str
    template: str
    pattern: re.Pattern[str]
    statuses: tuple[str, ...]
    sse_events: Mapping[str, str] = field(default_factory=dict)
    optional_statuses: frozenset[str] = frozenset()
    """Documented statuses a conforming deployment may never send (``x-coverage-optional-statuses``)."""

    def documents(self, status: int) -> bool:
        return str(status) in self.statuses or f"{str(status)[0]}XX" in self.statuses or "default" in self.statuses


@dataclass
class _Request:
    host_url: str
    path: str
    method: str
    parameters: RequestParameters
    body: bytes | None
    content_type: str


@dataclass
class _Response:
    status_code: int
    headers: Headers
    data: bytes | None
    content_type: str


def _template_regex(template: str) -> re.Pattern[str]:
    parts = re.split(r"(\{[^}]+\})", template)
    regex = "".join(f"(?P<{p[1:-1]}>[^/]+)" if p.startswith("{") else re.escape(p) for p in parts)
    return re.compile(f"^{regex}$")


class Contract:
    """The spec, compiled once: operations by method and path, and validators for whole responses and
    for named schemas.

    A response is checked in two parts: its headers every time (they carry per-response values such as
    ``x-request-id``), its body once per distinct (operation, status, content type, bytes) — the verdict
    on the same bytes is the same, and the suites fetch some large bodies (the catalog) again and again."""

    def __init__(self, spec: dict[str, Any]) -> None:
        self.spec = spec
        self._body_validator = OpenAPI.from_dict(spec, config=Config(response_validator_cls=V31ResponseDataValidator))
        self._headers_validator = OpenAPI.from_dict(
            spec, config=Config(response_validator_cls=V31ResponseHeadersValidator, spec_validator_cls=None))
        self._body_verdicts: dict[tuple[str, str, int, str, bytes], list[str]] = {}
        self.server_url = spec["servers"][0]["url"].rstrip("/")
        self.registry: Registry = Registry().with_resource(_SPEC_URI, DRAFT202012.create_resource(spec))
        self.operations: list[Operation] = []
        for template, item in spec["paths"].items():
            for method in _METHODS:
                op = item.get(method)
                if op is None:
                    continue
                events: dict[str, str] = {}
                for response in op.get("responses", {}).values():
                    media = response.get("content", {}).get("text/event-stream", {})
                    for label, ref in (media.get("x-sse-events") or {}).items():
                        events[label] = ref["$ref"]
                self.operations.append(
                    Operation(op["operationId"], method.upper(), template, _template_regex(template),
                              tuple(op.get("responses", {})), events,
                              frozenset(op.get("x-coverage-optional-statuses", ())))
                )
        self._validators: dict[str, Draft202012Validator] = {}

    def operation_for(self, method: str, path: str) -> Operation | None:
        for op in self.operations:
            if op.method == method.upper() and op.pattern.match(path):
                return op
        return None

    def operation(self, operation_id: str) -> Operation:
        return next(op for op in self.operations if op.id == operation_id)

    def schema_validator(self, ref: str) -> Draft202012Validator:
        """A validator for a ``#/components/...`` reference of the spec."""
        if ref not in self._validators:
            self._validators[ref] = Draft202012Validator({"$ref": _SPEC_URI + ref}, registry=self.registry)
        return self._validators[ref]

    def schema_errors(self, ref: str, instance: Any) -> list[str]:
        validator = self.schema_validator(ref)
        return [f"{'/'.join(map(str, e.absolute_path)) or '<root>'}: {e.message}" for e in validator.iter_errors(instance)]

    def validate_response(
        self,
        *,
        method: str,
        path: str,
        query: Mapping[str, str],
        request_headers: Mapping[str, str],
        status: int,
        headers: Mapping[str, str],
        body: bytes,
    ) -> tuple[Operation | None, list[Violation]]:
        """Validate one complete (non-stream) response. Unknown paths return ``(None, [])``."""
        op = self.operation_for(method, path)
        if op is None:
            return None, []
        content_type = headers.get("content-type", "")
        if not op.documents(status):
            return op, [Violation(op.id, status, f"status {status} is not documented for {op.method} {op.template}")]
        request = _Request(
            host_url=self.server_url,
            path=path,
            method=method.lower(),
            parameters=RequestParameters(
                path={},
                query=ImmutableMultiDict(list(query.items())),
                header=Headers(dict(request_headers)),
                cookie=ImmutableMultiDict(),
            ),
            body=None,
            content_type=request_headers.get("content-type", "application/json"),
        )
        response = _Response(status, Headers(dict(headers)), body, content_type)
        key = (method.upper(), path, status, content_type, hashlib.sha256(body).digest())
        body_errors = self._body_verdicts.get(key)
        if body_errors is None:
            body_errors = [_describe(e) for e in self._body_validator.iter_response_errors(request, response)]
            if len(self._body_verdicts) >= _BODY_VERDICTS:
                self._body_verdicts.pop(next(iter(self._body_verdicts)))
            self._body_verdicts[key] = body_errors
        header_errors = [_describe(e) for e in self._headers_validator.iter_response_errors(request, response)]
        errors = dict.fromkeys([*body_errors, *header_errors])  # a status no response documents: named once
        return op, [Violation(op.id, status, e) for e in errors]

    def validate_event(self, op: Operation, label: str, data: Any) -> list[Violation]:
        ref = op.sse_events.get(label)
        if ref is None:
            return [Violation(op.id, 200, f"stream event {label!r} is not declared in x-sse-events")]
        return [Violation(op.id, 200, f"event {label}: {e}") for e in self.schema_errors(ref, data)]

    @staticmethod
    def classify_event(op: Operation, event_name: str | None, data: str) -> tuple[str, Any]:
        """The ``x-sse-events`` label of one event, and its decoded payload."""
        if data.strip() == "[DONE]":
            return "done", "[DONE]"
        payload = json.loads(data)
        if event_name and event_name in op.sse_events:
            return event_name, payload
        if isinstance(payload, dict):
            kind = payload.get("type")
            if isinstance(kind, str) and kind in op.sse_events:
                return kind, payload
            if "error" in payload:
                return "error", payload
            if payload.get("choices") == [] and payload.get("usage") is not None:
                return "usage", payload
        return "chunk", payload


def _describe(error: Exception, limit: int = 12) -> str:
    """One line per schema error (JSON path: message), without echoing the whole body."""
    inner = list(getattr(error, "schema_errors", None) or getattr(error.__cause__, "schema_errors", None) or ())
    if not inner:
        return f"{type(error).__name__}: {str(error)[:300]}"
    lines = []
    for e in inner[:limit]:
        path = "/".join(map(str, getattr(e, "absolute_path", ()))) or "<root>"
        lines.append(f"{path}: {str(getattr(e, 'message', e))[:200]}")
    more = f" (+{len(inner) - limit} more)" if len(inner) > limit else ""
    return f"{type(error).__name__}: " + "; ".join(lines) + more


def with_decisions(node: Any) -> Any:
    """A copy of ``node`` whose ``required`` lists also hold their ``x-decision-required`` fields."""
    if isinstance(node, list):
        return [with_decisions(v) for v in node]
    if not isinstance(node, dict):
        return node
    out = {k: with_decisions(v) for k, v in node.items()}
    decided = node.get("x-decision-required")
    if isinstance(decided, dict):
        fields = [f for names in decided.values() for f in names]
        out["required"] = list(dict.fromkeys([*node.get("required", []), *fields]))
    return out


def documented_only(node: Any) -> Any:
    """A copy of ``node`` in which every schema marked ``x-decision-refinement`` keeps only the schemas it
    extends (the ``$ref`` entries of its ``allOf``)."""
    if isinstance(node, list):
        return [documented_only(v) for v in node]
    if not isinstance(node, dict):
        return node
    if node.get("x-decision-refinement") and isinstance(node.get("allOf"), list):
        kept = {k: v for k, v in node.items() if k != "allOf"}
        return {**kept, "allOf": [dict(v) for v in node["allOf"] if isinstance(v, dict) and "$ref" in v]}
    return {k: documented_only(v) for k, v in node.items()}


def decision_required(spec: dict[str, Any]) -> dict[str, dict[str, list[str]]]:
    """Schema name → ``{D-N: fields}`` for every component schema carrying ``x-decision-required``."""
    schemas = spec.get("components", {}).get("schemas", {})
    return {name: copy.deepcopy(s["x-decision-required"]) for name, s in schemas.items()
            if isinstance(s, dict) and isinstance(s.get("x-decision-required"), dict)}


@lru_cache(maxsize=1)
def _spec(path: Path) -> dict[str, Any]:
    return yaml.safe_load(Path(path).read_text(encoding="utf-8"))  # type: ignore[no-any-return]


@lru_cache(maxsize=4)
def _load(path: Path, rules: Profile) -> Contract:
    spec = _spec(path)
    return Contract(with_decisions(spec) if rules == "all" else documented_only(spec))


def load_contract(path: Path = SPEC_PATH, profile: Profile | None = None) -> Contract:
    """The contract at ``path`` under rule ``profile`` (default: the current one); parsed once per
    process and profile, shared by every client and suite."""
    return _load(Path(path), profile or _current())
