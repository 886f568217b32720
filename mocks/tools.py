"""Tool calling shared by the chat families: which tools to call, and arguments that fit their schemas.

Which tools (``choose``): mode ``none`` never calls; ``required`` (Anthropic ``any``) always calls;
``named`` calls that tool only; ``auto`` calls when the conversation ends with the user's own text and
answers in text when it ends with tool results. A call is of the first tool, or of the first two when
parallel calls are allowed, there are at least two tools, and the last user text contains the word
``parallel``.

Arguments (``arguments_for``): every property of the JSON schema gets a value: ``enum`` or ``const``
→ its first value; string → ``mock_<property name>`` (or a sample for ``format`` date/date-time/email/
uri/uuid, padded or cut to ``minLength``/``maxLength``); integer → 1 and number → 1.5 (moved inside
``minimum``/``maximum``); boolean → true; array → ``minItems`` (at least one) items; object → recurse;
``anyOf``/``oneOf``/``allOf`` → the first branch; local ``$ref`` is followed.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any, Literal

__all__ = ["Mode", "arguments_for", "choose", "wants_parallel"]

Mode = Literal["auto", "required", "named", "none"]

_FORMATS = {
    "date": "2024-01-01",
    "date-time": "2024-01-01T00:00:00Z",
    "time": "00:00:00Z",
    "email": "mock@example.com",
    "uri": "https://example.com/mock",
    "url": "https://example.com/mock",
    "uuid": "00000000-0000-4000-8000-000000000000",
}


def wants_parallel(text: str) -> bool:
    return re.search(r"\bparallel\b", text, re.IGNORECASE) is not None


def choose(names: Sequence[str], mode: Mode, *, named: str | None, parallel_allowed: bool,
           ends_with_tool_results: bool, last_user_text: str) -> list[str]:
    """The names of the tools to call now (empty: answer in text)."""
    if not names or mode == "none":
        return []
    if mode == "named":
        return [named] if named is not None and named in names else []
    if mode == "auto" and ends_with_tool_results:
        return []
    if parallel_allowed and len(names) >= 2 and wants_parallel(last_user_text):
        return list(names[:2])
    return [names[0]]


def _resolve(schema: Any, root: dict[str, Any], depth: int) -> dict[str, Any]:
    while isinstance(schema, dict) and isinstance(schema.get("$ref"), str) and depth < 32:
        ref: str = schema["$ref"]
        target: Any = root
        for part in ref.removeprefix("#/").split("/") if ref.startswith("#/") else []:
            target = target.get(part, {}) if isinstance(target, dict) else {}
        schema, depth = target, depth + 1
    return schema if isinstance(schema, dict) else {}


def _word(name: str) -> str:
    return "mock_" + (re.sub(r"\W+", "_", name).strip("_").lower() or "value")


def _number(schema: dict[str, Any], default: float) -> float:
    value = default
    if isinstance(schema.get("minimum"), (int, float)) and value < schema["minimum"]:
        value = schema["minimum"]
    if isinstance(schema.get("exclusiveMinimum"), (int, float)) and value <= schema["exclusiveMinimum"]:
        value = schema["exclusiveMinimum"] + 1
    if isinstance(schema.get("maximum"), (int, float)) and value > schema["maximum"]:
        value = schema["maximum"]
    if isinstance(schema.get("exclusiveMaximum"), (int, float)) and value >= schema["exclusiveMaximum"]:
        value = schema["exclusiveMaximum"] - 1
    return value


def _string(schema: dict[str, Any], name: str) -> str:
    text = _FORMATS.get(str(schema.get("format")), _word(name))
    if isinstance(schema.get("minLength"), int) and len(text) < schema["minLength"]:
        text = text + "x" * (schema["minLength"] - len(text))
    if isinstance(schema.get("maxLength"), int):
        text = text[: schema["maxLength"]]
    return text


def _value(schema: Any, name: str, root: dict[str, Any], depth: int) -> Any:
    schema = _resolve(schema, root, depth)
    if depth > 16:
        return None
    if isinstance(schema.get("enum"), list) and schema["enum"]:
        return schema["enum"][0]
    if "const" in schema:
        return schema["const"]
    for key in ("anyOf", "oneOf", "allOf"):
        if isinstance(schema.get(key), list) and schema[key]:
            return _value(schema[key][0], name, root, depth + 1)
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "null")
    if kind is None:
        kind = "object" if "properties" in schema else "string"
    if kind == "object":
        properties = schema.get("properties") or {}
        return {key: _value(sub, key, root, depth + 1) for key, sub in properties.items()}
    if kind == "array":
        count = max(1, schema.get("minItems", 1) if isinstance(schema.get("minItems"), int) else 1)
        return [_value(schema.get("items", {}), name, root, depth + 1) for _ in range(count)]
    if kind == "integer":
        return int(_number(schema, 1))
    if kind == "number":
        return _number(schema, 1.5)
    if kind == "boolean":
        return True
    if kind == "null":
        return None
    return _string(schema, name)


def arguments_for(schema: Any) -> dict[str, Any]:
    """Arguments for a tool whose parameters are ``schema``; always a JSON object."""
    root = schema if isinstance(schema, dict) else {}
    value = _value(root, "value", root, 0)
    return value if isinstance(value, dict) else {}
