"""Request bodies as strict JSON (D-66, D-67): UTF-8 without a byte-order mark, at most
:data:`MAX_DEPTH` levels of nesting (checked before the parser recurses), no duplicate member names, no
``NaN``/``Infinity`` and no number that overflows to infinity, no lone surrogate in any string.

Every refusal is a 400 that names the problem and, for a string, the field (``param``), never the value.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

from gateway.errors import InvalidRequest
from gateway.schemas import field_path

__all__ = ["MAX_DEPTH", "parse_json"]

MAX_DEPTH = 64
"""The deepest nesting of arrays and objects a request body may have (D-67)."""

_TOKENS = re.compile(rb'"(?:[^"\\]++|\\.)*+"|[\[\]{}]', re.DOTALL)
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")
_DECODER_ERRORS = (ValueError, RecursionError)


class _Refused(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _invalid(message: str, param: str | None = None, code: str = "invalid_json") -> InvalidRequest:
    return InvalidRequest(message, code=code, param=param)


def _depth_exceeds(raw: bytes, limit: int) -> bool:
    """Whether brackets outside strings nest deeper than ``limit``; cheap when the body has few brackets."""
    if raw.count(b"[") + raw.count(b"{") <= limit:
        return False
    depth = 0
    for match in _TOKENS.finditer(raw):
        token = match.group()
        if token in (b"[", b"{"):
            depth += 1
            if depth > limit:
                return True
        elif token in (b"]", b"}"):
            depth -= 1
    return False


def _pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    obj = dict(pairs)
    if len(obj) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise _Refused(f"The request body repeats the member name {json.dumps(key)[:80]} in one object.")
            seen.add(key)
    return obj


def _constant(name: str) -> Any:
    raise _Refused(f"The request body contains {name}, which is not JSON.")


def _float(text: str) -> float:
    value = float(text)
    if math.isinf(value):
        raise _Refused("The request body contains a number too large to represent.")
    return value


_DECODER = json.JSONDecoder(object_pairs_hook=_pairs, parse_constant=_constant, parse_float=_float)


def _lone_surrogate(value: Any, path: list[str | int]) -> str | None:
    """The field path (``messages[0].content``) of the first string holding a lone surrogate, if any."""
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return field_path(path) or "body"
        return None
    if isinstance(value, dict):
        for key, item in value.items():
            found = _lone_surrogate(key, [*path, "<key>"]) or _lone_surrogate(item, [*path, key])
            if found:
                return found
    elif isinstance(value, list):
        for i, item in enumerate(value):
            found = _lone_surrogate(item, [*path, i])
            if found:
                return found
    return None


def _decode(text: str) -> dict[str, Any]:
    try:
        body = _DECODER.decode(text)
    except _Refused as exc:
        raise _invalid(exc.message) from None
    except _DECODER_ERRORS:
        raise _invalid("The request body is not valid JSON.") from None
    if not isinstance(body, dict):
        raise _invalid("The request body must be a JSON object.")
    return body


def _not_utf8(raw: bytes, at: int) -> InvalidRequest:
    """The 400 for bytes that are not UTF-8: naming the string field that holds them when the body parses."""
    try:
        field = _lone_surrogate(_decode(raw.decode("utf-8", "surrogateescape")), [])
    except InvalidRequest:
        field = None
    if field:
        return _invalid(f"'{field}' is not valid UTF-8.", param=field)
    return _invalid(f"The request body is not valid UTF-8 (byte {at}).")


def parse_json(raw: bytes) -> dict[str, Any]:
    """The request body as a JSON object, or a 400 saying why it is not acceptable."""
    if raw.startswith(b"\xef\xbb\xbf"):
        raise _invalid("The request body starts with a byte-order mark; send UTF-8 JSON without one.")
    if _depth_exceeds(raw, MAX_DEPTH):
        raise _invalid(f"The request body nests arrays and objects deeper than {MAX_DEPTH} levels.")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise _not_utf8(raw, exc.start) from None
    body = _decode(text)
    if _SURROGATE_ESCAPE.search(raw):
        field = _lone_surrogate(body, [])
        if field:
            raise _invalid(f"'{field}' contains a lone UTF-16 surrogate (\\uD800-\\uDFFF), which is not text.",
                           param=field, code="invalid_parameter")
    return body
