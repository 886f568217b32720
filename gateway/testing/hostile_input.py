"""Defects of strict request decoding, tool-schema checks, parameter ranges, paths and the ``Host`` header
(``gateway/formats/json_body.py``, ``gateway/schemas.py``, D-66 … D-69).

Decoding defects rewrite the raw body in front of every format's codec (a lax decoder: the offending
bytes made acceptable, or a recursive parse that can fail); the redirect and the reflected ``Host`` are
outermost layers; the unbounded echo rewrites a ``model_not_found`` answer with the raw value sent.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

import jsonschema_rs
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gateway.schemas import request_properties
from gateway.state import GatewayState
from gateway.testing.asgi import Reply, json_body, layer, rewrite_response
from gateway.testing.codec_patches import Patch, PatchedCodec
from gateway.testing.registry import ActiveDefects, defect

__all__ = ["install"]

BAD_TEXT_ACCEPTED = defect("bad_text_accepted", "invalid UTF-8 and lone surrogates are a 400 naming the field")
FOREIGN_ENCODINGS_ACCEPTED = defect("foreign_encodings_accepted", "a body with a BOM or in UTF-16/32 is a 400")
DUPLICATE_KEYS_LAST_WINS = defect("duplicate_keys_last_wins", "a member name repeated in one object is a 400")
NON_FINITE_ACCEPTED = defect("non_finite_accepted", "NaN, Infinity and numbers overflowing to infinity are a 400")
NESTING_UNLIMITED = defect("nesting_unlimited", "nesting deeper than 64 levels is a 400, checked before parsing")
TOOL_SCHEMA_UNCHECKED = defect("tool_schema_unchecked", "a tool schema that is not a JSON Schema is a 400")
RANGE_UNCHECKED = defect("range_unchecked", "a value outside the range the spec declares is a 400")
TRAILING_SLASH_REDIRECT = defect("trailing_slash_redirect", "a near-miss path is a 404, never a redirect")
HOST_REFLECTED = defect("host_reflected", "nothing in a response is built from the Host header")
ERROR_QUOTES_RAW_INPUT = defect("error_quotes_raw_input", "an error quotes at most 64 escaped characters of input")

_LONE = re.compile(r"\\u[dD][89abAB][0-9a-fA-F]{2}(?!\\u[dD][c-fC-F])|(?<![0-9a-fA-F]{2})\\u[dD][c-fC-F][0-9a-fA-F]{2}")
_REQUEST_SCHEMAS = {"openai_chat": "ChatCompletionRequest", "anthropic_messages": "MessagesRequest",
                    "openai_responses": "ResponseCreateRequest"}


def _lax_text(raw: bytes) -> bytes:
    text = raw.decode("utf-8", "replace")
    return _LONE.sub(r"\\ufffd", text).encode("utf-8")


def _foreign(raw: bytes) -> bytes:
    if raw.startswith(b"\xef\xbb\xbf"):
        return raw[3:]
    for bom, codec in ((b"\xff\xfe\x00\x00", "utf-32"), (b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16")):
        if raw.startswith(bom):
            try:
                return raw.decode(codec).encode("utf-8")
            except UnicodeDecodeError:
                return raw
    return raw


def _reparsed(raw: bytes) -> Any:
    try:
        return json.loads(raw)
    except (ValueError, RecursionError):
        return None


def _last_wins(raw: bytes) -> bytes:
    body = _reparsed(raw)
    return raw if body is None else json.dumps(body).encode()


def _finite(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return 1.0
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_finite(v) for v in value]
    return value


def _non_finite(raw: bytes) -> bytes:
    body = _reparsed(raw)
    return raw if body is None else json.dumps(_finite(body)).encode()


def _recursive(raw: bytes) -> bytes:
    try:
        json.loads(raw)
    except ValueError:
        pass
    return raw


def _lax_tools(raw: bytes) -> bytes:
    body = _reparsed(raw)
    if not isinstance(body, dict) or not isinstance(body.get("tools"), list):
        return raw
    for tool in body["tools"]:
        if not isinstance(tool, dict):
            continue
        holder = tool["function"] if isinstance(tool.get("function"), dict) else tool
        for key in ("parameters", "input_schema"):
            schema = holder.get(key)
            if schema is not None and not (isinstance(schema, dict) and jsonschema_rs.meta.is_valid(
                    {k: v for k, v in schema.items() if k != "$schema"})):
                holder[key] = {"type": "object"}
            elif isinstance(schema, dict):
                schema.pop("$schema", None)
    return json.dumps(body).encode()


def _out_of_range(value: Any, spec: dict[str, Any]) -> bool:
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        return False
    low, high = spec.get("minimum"), spec.get("maximum")
    above = spec.get("exclusiveMinimum")
    return ((low is not None and value < low) or (high is not None and value > high)
            or (above is not None and value <= above))


def _unranged(schema_name: str) -> Any:
    def drop(raw: bytes) -> bytes:
        body = _reparsed(raw)
        if not isinstance(body, dict):
            return raw
        properties = request_properties(schema_name)
        kept = {k: v for k, v in body.items() if not _out_of_range(v, properties.get(k, {}))}
        return json.dumps(kept).encode()

    return drop


def _patches(format_name: str) -> list[Patch]:
    return [
        Patch(FOREIGN_ENCODINGS_ACCEPTED, raw=_foreign),
        Patch(BAD_TEXT_ACCEPTED, raw=_lax_text),
        Patch(NESTING_UNLIMITED, raw=_recursive),
        Patch(DUPLICATE_KEYS_LAST_WINS, raw=_last_wins),
        Patch(NON_FINITE_ACCEPTED, raw=_non_finite),
        Patch(TOOL_SCHEMA_UNCHECKED, raw=_lax_tools),
        Patch(RANGE_UNCHECKED, raw=_unranged(_REQUEST_SCHEMAS[format_name])),
    ]


def _host(scope: Scope) -> str:
    return next((v.decode("latin-1") for k, v in scope["headers"] if k == b"host"), "localhost")


@layer(TRAILING_SLASH_REDIRECT)
def _redirect(app: ASGIApp) -> ASGIApp:
    async def redirecting(scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if scope["type"] != "http" or len(path) < 2 or not path.endswith("/"):
            await app(scope, receive, send)
            return
        location = f"http://{_host(scope)}{path.rstrip('/')}".encode("latin-1", "replace")
        await send({"type": "http.response.start", "status": 307,
                    "headers": [(b"location", location), (b"content-length", b"0")]})
        await send({"type": "http.response.body", "body": b""})

    return redirecting


@layer(HOST_REFLECTED)
def _reflect_host(app: ASGIApp) -> ASGIApp:
    async def reflecting(scope: Scope, receive: Receive, send: Send) -> None:
        base = f"http://{_host(scope)}".encode("latin-1", "replace")

        async def send_with_link(message: Message) -> None:
            if message["type"] == "http.response.start":
                link = (b"link", b"<" + base + b"/v1/models>; rel=\"index\"")
                message = {**message, "headers": [*message.get("headers", []), link]}
            await send(message)

        await app(scope, receive, send_with_link)

    return reflecting


@layer(ERROR_QUOTES_RAW_INPUT, at="authenticated")
def _echo_raw(app: ASGIApp) -> ASGIApp:
    async def echoing(scope: Scope, receive: Receive, send: Send) -> None:
        received: list[bytes] = []

        async def capturing_receive() -> Message:
            message = await receive()
            if message["type"] == "http.request":
                received.append(message.get("body", b""))
            return message

        def quote_raw(status: int, headers: list[tuple[bytes, bytes]], body: bytes) -> Reply | None:
            sent, answer = json_body(b"".join(received)), json_body(body)
            if status != 404 or not isinstance(sent, dict) or not isinstance(answer, dict):
                return None
            error = answer.get("error")
            if isinstance(error, dict) and "message" in error:
                error["message"] = f"The model '{sent.get('model')}' does not exist or is not available."
            return status, headers, json.dumps(answer, ensure_ascii=False).encode("utf-8", "surrogatepass")

        await rewrite_response(app, scope, capturing_receive, send, quote_raw)

    return echoing


def install(state: GatewayState, active: ActiveDefects) -> None:
    """Wrap every text format's codec with the decoding defects."""
    for format_name in _REQUEST_SCHEMAS:
        state.codecs[format_name] = PatchedCodec(state.codecs[format_name], _patches(format_name), active)
