"""The strict request-body parser (D-66, D-67), the error quoting helper and the tool-schema check (D-68)."""

from __future__ import annotations

import json

import pytest

from gateway.errors import InvalidRequest, shown
from gateway.formats.envelopes import render_error
from gateway.formats.json_body import MAX_DEPTH, parse_json
from gateway.schemas import check_tool_schema


def _refusal(raw: bytes) -> InvalidRequest:
    with pytest.raises(InvalidRequest) as caught:
        parse_json(raw)
    return caught.value


@pytest.mark.parametrize(("raw", "code", "param"), [
    (b'\xef\xbb\xbf{"a": 1}', "invalid_json", None),
    ('{"a": 1}'.encode("utf-16"), "invalid_json", None),
    (b'{"model": "\xed\xa0\x80"}', "invalid_json", "model"),
    (b'{"a": \xff}', "invalid_json", None),
    (b'{"messages": [{"content": "x\\ud800"}]}', "invalid_parameter", "messages[0].content"),
    (b'{"a": "\\udc00"}', "invalid_parameter", "a"),
    (b'{"model": "a", "model": "b"}', "invalid_json", None),
    (b'{"t": NaN}', "invalid_json", None),
    (b'{"t": -Infinity}', "invalid_json", None),
    (b'{"t": 1e999}', "invalid_json", None),
    (b'{"t": ' + b"9" * 5000 + b"}", "invalid_json", None),
    (b"[1]", "invalid_json", None),
])
def test_bad_bodies_are_refused(raw: bytes, code: str, param: str | None) -> None:
    error = _refusal(raw)
    assert (error.status, error.code, error.param) == (400, code, param)


def test_nesting_is_limited_before_parsing() -> None:
    at_limit = b'{"a":' + b"[" * (MAX_DEPTH - 1) + b"]" * (MAX_DEPTH - 1) + b"}"
    assert parse_json(at_limit)["a"]
    for depth in (MAX_DEPTH, 1_000, 200_000):
        assert "deeper than" in _refusal(b'{"a":' + b"[" * depth + b"]" * depth + b"}").message


def test_brackets_inside_strings_do_not_count() -> None:
    body = parse_json(b'{"a": "' + b"[{" * 10_000 + b'", "b": "\\"[["}')
    assert body["b"] == '"[['


def test_valid_surrogate_pairs_and_escaped_backslashes_pass() -> None:
    assert parse_json(b'{"a": "\\ud83d\\ude00", "b": "\\\\ud800"}') == {"a": "\U0001F600", "b": "\\ud800"}


def test_shown_escapes_and_cuts() -> None:
    assert shown("gpt-4o") == "gpt-4o"
    assert shown("\ud800\x1b") == "\\ud800\\u001b"
    long = shown("m" * 10_000)
    assert len(long) == 65 and long.endswith("…")


def test_an_envelope_renders_whatever_it_quotes() -> None:
    body = render_error(InvalidRequest("bad \ud800 value"), "openai")
    assert json.loads(body.decode("utf-8"))["error"]["message"] == "bad \ud800 value"


@pytest.mark.parametrize("schema", [
    {"type": "objekt"}, {"type": "object", "properties": []}, {"required": "a"}, [1],
    {"$schema": "http://schemas.invalid/x", "type": "object"},
])
def test_invalid_tool_schemas_are_refused(schema: object) -> None:
    with pytest.raises(InvalidRequest) as caught:
        check_tool_schema(schema, "tools[0].parameters")
    assert caught.value.param and caught.value.param.startswith("tools[0].parameters")


def test_valid_tool_schemas_pass() -> None:
    check_tool_schema({"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}, "p")
    check_tool_schema({"$schema": "http://json-schema.org/draft-07/schema#", "type": "object"}, "p")
