"""Every operation of ``specs/openapi.yaml`` as the cross-operation error suite needs it (D-134): its
documented statuses and the schema each error answer has, the envelope that schema is in, what its
request carries (a JSON or multipart body, a ``model``, path parameters) and a valid request built from
the spec alone — the body's required fields, valued from the spec's example where it has them and
generated from their schemas otherwise, with the model the deployment lists for the path.

Free text (a plain string the schema does not constrain: a prompt, a message's content, a query) is
where a request carries a ``[[mock:...]]`` directive or the padding of an oversized body.
"""

from __future__ import annotations

import base64
import io
import re
import wave
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import yaml

from suites import SPEC_PATH

__all__ = ["JSON", "MULTIPART", "Documented", "Envelope", "binary_fields", "documented_operations", "limits",
           "sample_wav", "takes_model", "valid_body", "with_text"]

JSON = "application/json"
MULTIPART = "multipart/form-data"
_METHODS = ("get", "post", "put", "patch", "delete")
Envelope = Literal["openai", "anthropic"]
TEXT = "Say hello."


@dataclass(frozen=True)
class Documented:
    """One operation of the spec, read for its documented errors."""

    id: str
    method: str
    template: str
    statuses: tuple[str, ...]
    error_schemas: dict[str, str]
    """Status → the ``#/components/schemas/...`` reference its JSON answer is held to."""
    body_media: str | None
    """``application/json`` when the operation takes JSON, else its one body media type (or None)."""
    body_schema: str | None
    example: dict[str, Any] | None
    path_params: tuple[str, ...]
    async_only: bool
    """Its only success is ``202`` (a job): an upstream's failure fails the job, not the request (D-89)."""

    def documents(self, status: int) -> bool:
        return str(status) in self.statuses

    def schema_of(self, status: int) -> str | None:
        return self.error_schemas.get(str(status))

    def envelope(self, status: int) -> Envelope:
        """The envelope the documented answer for ``status`` is in (by its schema's family)."""
        ref = self.schema_of(status) or ""
        return "anthropic" if ref.rsplit("/", 1)[-1].startswith("Anthropic") else "openai"

    def path(self, **values: str) -> str:
        return re.sub(r"\{([^}]+)\}", lambda m: values[m.group(1)], self.template)

    def __str__(self) -> str:
        return self.id


def _ref(spec: dict[str, Any], node: Any) -> Any:
    """``node`` with its ``$ref`` chain followed within ``spec``."""
    while isinstance(node, dict) and isinstance(node.get("$ref"), str) and node["$ref"].startswith("#/"):
        target: Any = spec
        for part in node["$ref"][2:].split("/"):
            target = target[part]
        node = target
    return node


def _json_schema_ref(spec: dict[str, Any], response: Any) -> str | None:
    media = (_ref(spec, response).get("content") or {}).get(JSON) or {}
    ref = (media.get("schema") or {}).get("$ref")
    return ref if isinstance(ref, str) else None


def _body(spec: dict[str, Any], op: dict[str, Any]) -> tuple[str | None, str | None, dict[str, Any] | None]:
    content = (_ref(spec, op.get("requestBody") or {}).get("content")) or {}
    if not content:
        return None, None, None
    media_type = JSON if JSON in content else next(iter(content))
    media: dict[str, Any] = content[media_type]
    examples: dict[str, Any] = media.get("examples") or {}
    example = next(iter(examples.values())).get("value") if examples else media.get("example")
    ref = (media.get("schema") or {}).get("$ref")
    return media_type, ref if isinstance(ref, str) else None, example if isinstance(example, dict) else None


@lru_cache(maxsize=1)
def _load(path: Path) -> list[Documented]:
    spec = yaml.safe_load(path.read_text(encoding="utf-8"))
    found = []
    for template, item in spec["paths"].items():
        for method in _METHODS:
            op = item.get(method)
            if op is None:
                continue
            responses = op.get("responses", {})
            schemas = {s: ref for s, r in responses.items() if s[:1] in "45" and (ref := _json_schema_ref(spec, r))}
            media_type, body_ref, example = _body(spec, op)
            found.append(Documented(
                op["operationId"], method.upper(), template, tuple(responses), schemas, media_type, body_ref,
                example, tuple(re.findall(r"\{([^}]+)\}", template)),
                "202" in responses and not any(s.startswith("2") and s != "202" for s in responses)))
    return found


def documented_operations(path: Path = SPEC_PATH) -> list[Documented]:
    """The spec's operations, in its order (read once per process)."""
    return _load(path)


@lru_cache(maxsize=1)
def _spec(path: Path) -> dict[str, Any]:
    return yaml.safe_load(path.read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def _branches(spec: dict[str, Any], schema: Any) -> list[dict[str, Any]]:
    """``schema`` and the schemas its ``allOf``/``oneOf``/``anyOf`` combine, resolved, depth first."""
    schema = _ref(spec, schema)
    if not isinstance(schema, dict):
        return []
    out = [schema]
    for key in ("allOf", "oneOf", "anyOf"):
        for part in schema.get(key) or ():
            out.extend(_branches(spec, part))
    return out


def _is_text(branches: list[dict[str, Any]], candidate: str) -> bool:
    """A plain string that may hold ``candidate``: no enum, const or format in any branch, and any pattern
    matching it."""
    strings = [b for b in branches if b.get("type") == "string"]
    return (bool(strings) and not any(k in b for b in branches for k in ("enum", "const", "format"))
            and all(re.search(b["pattern"], candidate) for b in branches if "pattern" in b))


def _property(spec: dict[str, Any], schema: Any, name: str) -> Any:
    for branch in _branches(spec, schema):
        if name in (branch.get("properties") or {}):
            return branch["properties"][name]
    return {}


def _items(spec: dict[str, Any], schema: Any) -> Any:
    return next((b["items"] for b in _branches(spec, schema) if "items" in b), {})


def sample_wav(seconds: float = 0.1, rate: int = 8000) -> bytes:
    """A short valid WAV of silence (the audio an operation's required media input gets)."""
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(b"\0\0" * int(seconds * rate))
    return buffer.getvalue()


def _generated(spec: dict[str, Any], schema: Any, text: str) -> Any:
    """A value for ``schema``: its required fields only, the smallest numbers it allows, ``text`` for free
    text, a WAV ``data:`` URL for a media reference."""
    branches = _branches(spec, schema)
    for b in branches:
        if "const" in b:
            return b["const"]
        if b.get("enum"):
            return b["enum"][0]
        if "default" in b:
            return b["default"]
    kinds = [b.get("type") for b in branches if b.get("type")]
    kind = kinds[0] if kinds else "string"
    if kind == "object":
        required = [n for b in branches for n in b.get("required") or ()]
        return {name: _generated(spec, _property(spec, schema, name), text) for name in dict.fromkeys(required)}
    if kind == "array":
        return [_generated(spec, _items(spec, schema), text)]
    if kind in ("integer", "number"):
        low = next((b["minimum"] for b in branches if "minimum" in b), 1)
        return max(low, 1)
    if kind == "boolean":
        return False
    if any("data:" in str(b.get("pattern", "")) for b in branches):
        return "data:audio/wav;base64," + base64.b64encode(sample_wav()).decode()
    return text


def with_text(spec: dict[str, Any], schema: Any, value: Any, text: Callable[[str], str]) -> Any:
    """``value`` (valid for ``schema``) with every free-text string ``s`` replaced by ``text(s)``."""
    branches = _branches(spec, schema)
    if isinstance(value, str):
        new = text(value)
        return new if _is_text(branches, new) else value
    if isinstance(value, list):
        return [with_text(spec, _items(spec, schema), v, text) for v in value]
    if isinstance(value, dict):
        return {k: v if k == "model" else with_text(spec, _property(spec, schema, k), v, text)
                for k, v in value.items()}
    return value


def valid_body(op: Documented, model_id: str | None, text: str = TEXT, path: Path = SPEC_PATH) -> dict[str, Any]:
    """A valid request body of ``op``: its required fields, from the example where it has them, else
    generated; ``model`` set to ``model_id``; every free text set to ``text``."""
    spec = _spec(path)
    schema = {"$ref": op.body_schema} if op.body_schema else {}
    required = [n for b in _branches(spec, schema) for n in b.get("required") or ()]
    example = op.example or {}
    body = {name: example[name] if name in example else _generated(spec, _property(spec, schema, name), text)
            for name in dict.fromkeys(required)}
    if "model" in body or model_id is not None and _property(spec, schema, "model"):
        body["model"] = model_id
    return with_text(spec, schema, body, lambda _: text)  # type: ignore[no-any-return]


def takes_model(op: Documented, path: Path = SPEC_PATH) -> bool:
    """Whether ``op``'s request body names a model."""
    return bool(op.body_schema and _property(_spec(path), {"$ref": op.body_schema}, "model"))


def binary_fields(op: Documented, path: Path = SPEC_PATH) -> list[str]:
    """The body fields of ``op`` that are file parts (``format: binary``)."""
    spec = _spec(path)
    schema = {"$ref": op.body_schema} if op.body_schema else {}
    names = [n for b in _branches(spec, schema) for n in (b.get("properties") or {})]
    return [n for n in dict.fromkeys(names)
            if any(b.get("format") == "binary" for b in _branches(spec, _property(spec, schema, n)))]


def limits(path: Path = SPEC_PATH) -> dict[str, Any]:
    """The contract's ``x-empiriolabs-limits``."""
    found: dict[str, Any] = _spec(path).get("x-empiriolabs-limits") or {}
    return found
