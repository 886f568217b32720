"""Hostile request bodies, paths and headers (``-m hostile``): what a schema-driven fuzzer cannot generate —
bytes that are not UTF-8, lone surrogates, byte-order marks, repeated keys, ``NaN``, nesting thousands deep,
tool schemas that are not schemas, values outside their ranges, near-miss paths and a forged ``Host``.

Each test sends a bounded handful of requests per format, checks no answer is a 5xx and every 4xx is in the
endpoint's envelope (documented rules), then the refusal the project decided (D-66 … D-69, ``--rules all``),
that no rejection reached an upstream, and that the deployment still serves a valid request afterwards.
"""

from __future__ import annotations

import json
import secrets
from typing import Any

import httpx
import pytest

from suites import rawhttp
from suites.checks import expect
from suites.checks.hostile import never_5xx, quotes_little, refused
from suites.client import ApiClient
from suites.contract import Contract
from suites.discovery import Discovery
from suites.drivers import DRIVERS, Driver
from suites.hostile import Hostile
from suites.tools import Tool
from suites.upstreams import not_forwarded

FORMATS = pytest.mark.parametrize("driver", [pytest.param(d, id=name) for name, d in DRIVERS.items()])
MARK = "HOSTILE-MARK"
BASE_RULES = ("not_a_server_error", "openai_error_envelope", "anthropic_error_envelope", "rejected_by_gateway",
              "valid_request_200")


def _raw(driver: Driver, model: Any, prompt: str = f"Say hi. {MARK}", **extra: Any) -> bytes:
    return json.dumps(driver.body(model, prompt, **extra)).encode()


def _post(api: ApiClient, driver: Driver, raw: bytes) -> httpx.Response:
    return api.post(driver.endpoint, content=raw, headers={"content-type": "application/json"})


def _refuse_all(api: ApiClient, contract: Contract, hostile: Hostile, driver: Driver, cases: dict[str, bytes],
                rule: str, **expected: Any) -> None:
    for label, raw in cases.items():
        response = _post(api, driver, raw)
        hostile.sent()
        refused(response, contract, driver.envelope, rule, label, **expected)
        quotes_little(response.content)
        not_forwarded(response, label)
    hostile.still_serves()


@pytest.mark.hostile("encoding")
@pytest.mark.rule(*BASE_RULES, "text_must_be_utf8", "error_quotes_bounded")
@FORMATS
def test_invalid_text_is_400_naming_the_field(api: ApiClient, contract: Contract, discovery: Discovery,
                                              hostile: Hostile, driver: Driver) -> None:
    model = driver.plain_model(discovery, api)
    in_text = _raw(driver, model)
    as_model = _raw(driver, MARK, "Say hi.")
    cases = {
        "invalid UTF-8 bytes in the text": in_text.replace(MARK.encode(), b"\xed\xa0\x80 \xff"),
        "a lone high surrogate escape in the text": in_text.replace(MARK.encode(), b"\\ud800"),
        "a lone low surrogate escape in the text": in_text.replace(MARK.encode(), b"x\\udc00y"),
        "a lone surrogate as the model": as_model.replace(MARK.encode(), b"\\ud800"),
    }
    for label, raw in cases.items():
        response = _post(api, driver, raw)
        hostile.sent()
        field = "model" if "model" in label else None
        refused(response, contract, driver.envelope, "text_must_be_utf8", label, param_in=field or "")
        quotes_little(response.content)
        not_forwarded(response, label)
    hostile.still_serves()


@pytest.mark.hostile("encoding")
@pytest.mark.rule(*BASE_RULES, "body_encoding_utf8", "error_quotes_bounded")
@FORMATS
def test_foreign_encodings_are_400(api: ApiClient, contract: Contract, discovery: Discovery, hostile: Hostile,
                                   driver: Driver) -> None:
    text = _raw(driver, driver.plain_model(discovery, api), "Say hi.").decode()
    cases = {
        "a UTF-8 byte-order mark": b"\xef\xbb\xbf" + text.encode(),
        "UTF-16 with a byte-order mark": text.encode("utf-16"),
        "UTF-16LE without one": text.encode("utf-16-le"),
        "UTF-32": text.encode("utf-32"),
    }
    _refuse_all(api, contract, hostile, driver, cases, "body_encoding_utf8", code="invalid_json")


@pytest.mark.hostile("json")
@pytest.mark.rule(*BASE_RULES, "duplicate_keys_400", "non_finite_400", "error_quotes_bounded")
@FORMATS
def test_duplicate_keys_and_non_numbers_are_400(api: ApiClient, contract: Contract, discovery: Discovery,
                                                hostile: Hostile, driver: Driver) -> None:
    model = driver.plain_model(discovery, api)
    raw = _raw(driver, model, "Say hi.")
    duplicated = {"a repeated model key": b'{"model": "no-such-model-' + secrets.token_hex(3).encode() + b'", '
                  + raw[1:]}
    _refuse_all(api, contract, hostile, driver, duplicated, "duplicate_keys_400", code="invalid_json")
    with_number = _raw(driver, model, "Say hi.", temperature=MARK)
    literals = {f"temperature {lit}": with_number.replace(f'"{MARK}"'.encode(), lit.encode())
                for lit in ("NaN", "Infinity", "-Infinity", "1e999")}
    _refuse_all(api, contract, hostile, driver, literals, "non_finite_400", code="invalid_json")


def _nested(shape: str, depth: int) -> bytes:
    return (b"[" * depth + b"]" * depth) if shape == "array" else (b'{"a":' * depth + b"1" + b"}" * depth)


@pytest.mark.hostile("nesting")
@pytest.mark.rule(*BASE_RULES, "nesting_limit_400", "error_quotes_bounded")
@FORMATS
def test_deep_nesting_is_400(api: ApiClient, contract: Contract, discovery: Discovery, hostile: Hostile,
                             driver: Driver) -> None:
    raw = _raw(driver, driver.plain_model(discovery, api), "Say hi.", metadata_extra=MARK)
    cases = {f"{shape}s nested {depth} deep": raw.replace(f'"{MARK}"'.encode(), _nested(shape, depth))
             for shape in ("array", "object") for depth in (65, 1_000, 100_000)}
    _refuse_all(api, contract, hostile, driver, cases, "nesting_limit_400", code="invalid_json")


BAD_SCHEMAS: dict[str, dict[str, Any]] = {
    "an unknown type": {"type": "objekt", "properties": {}},
    "properties as a list": {"type": "object", "properties": ["city"]},
    "required as a string": {"type": "object", "properties": {"city": {"type": "string"}}, "required": "city"},
    "a property schema that is a number": {"type": "object", "properties": {"city": 5}},
    "a $schema that is not a draft": {"$schema": "http://schemas.invalid/tool", "type": "object"},
}


@pytest.mark.hostile("tool-schemas")
@pytest.mark.rule(*BASE_RULES, "tool_schema_400", "error_quotes_bounded")
@FORMATS
def test_invalid_tool_schemas_are_400(api: ApiClient, contract: Contract, discovery: Discovery, hostile: Hostile,
                                      driver: Driver) -> None:
    model = driver.tool_models(discovery, api)[0]
    cases = {label: json.dumps(driver.body(model, "What is the weather in Paris?",
                                           tools=[Tool("get_weather", "Weather for a city", schema)])).encode()
             for label, schema in BAD_SCHEMAS.items()}
    _refuse_all(api, contract, hostile, driver, cases, "tool_schema_400", param_in="tools[0]")


_RANGED = {"chat": ("ChatCompletionRequest", "chat_range_400"), "messages": ("MessagesRequest", "messages_range_400"),
           "responses": ("ResponseCreateRequest", "responses_range_400")}


def _types(spec: dict[str, Any]) -> set[str]:
    declared = spec.get("type")
    return set(declared) if isinstance(declared, list) else {declared} if isinstance(declared, str) else set()


def _outside(spec: dict[str, Any]) -> list[float]:
    whole = "integer" in _types(spec)
    step = 1 if whole else 0.5
    values: list[float] = []
    if "minimum" in spec:
        values.append(spec["minimum"] - step)
    if "maximum" in spec:
        values.append(spec["maximum"] + step)
    if "exclusiveMinimum" in spec:
        values.append(spec["exclusiveMinimum"])
    return values


@pytest.mark.hostile("ranges")
@pytest.mark.rule("not_a_server_error", "openai_error_envelope", "anthropic_error_envelope", "valid_request_200",
                  "chat_range_400", "messages_range_400", "responses_range_400")
@pytest.mark.parametrize("driver", [pytest.param(DRIVERS[n], id=n) for n in _RANGED])
def test_declared_ranges_are_enforced(api: ApiClient, contract: Contract, discovery: Discovery, hostile: Hostile,
                                      driver: Driver) -> None:
    schema, rule = _RANGED[driver.name]
    properties = contract.spec["components"]["schemas"][schema]["properties"]
    model = driver.plain_model(discovery, api)
    for name, spec in properties.items():
        for value in _outside(spec):
            response = driver.create(api, {**driver.body(model, "Say hi."), name: value})
            hostile.sent()
            refused(response, contract, driver.envelope, rule, f"{name}={value}", param_in=name)
        if _types(spec) & {"integer", "number"}:
            for extreme in (1e308, -1e308, 2**64):
                response = driver.create(api, {**driver.body(model, "Say hi.", max_tokens=16), name: extreme})
                hostile.sent()
                never_5xx(response, f"{name}={extreme}")
    hostile.still_serves()


NEAR_MISSES = ("{path}/", "/{path}", "{upper}", "{path}%2F", "{path}//", "{doubled}")


def _variants(path: str) -> list[str]:
    doubled = path.replace("/", "//", 2)[1:] if path.count("/") > 1 else path + "/"
    return [v.format(path=path, upper=path.upper(), doubled=doubled) for v in NEAR_MISSES]


@pytest.mark.hostile("paths")
@pytest.mark.rule("not_a_server_error", "near_miss_path_404", "valid_request_200")
def test_near_miss_paths_are_404_never_redirects(api: ApiClient, contract: Contract, hostile: Hostile) -> None:
    target = rawhttp.Target.of(api.base_url)
    headers = [("Authorization", f"Bearer {api.api_key}"), ("Content-Type", "application/json")]
    for method, path in (("POST", "/v1/chat/completions"), ("POST", "/v1/messages"), ("POST", "/v1/responses"),
                         ("GET", "/v1/models")):
        for variant in _variants(path):
            reply = rawhttp.exchange(api.base_url, rawhttp.request_bytes(
                target, method, variant, headers, b"{}" if method == "POST" else b""))
            hostile.sent()
            what = f"{method} {variant}"
            expect("not_a_server_error", reply.status is None or reply.status < 500, f"{what}: no 5xx",
                   reply.describe())
            expect("near_miss_path_404", reply.status == 404 and reply.header("location") is None,
                   f"{what}: 404 without a location", f"{reply.describe()} location={reply.header('location')}")
            envelope = "#/components/schemas/AnthropicError" if variant.startswith("/v1/messages") \
                else "#/components/schemas/OpenAIError"
            problems = contract.schema_errors(envelope, reply.json())
            expect("near_miss_path_404", not problems, f"{what}: the error in the path's envelope", problems[:2])
    hostile.still_serves()


@pytest.mark.hostile("host")
@pytest.mark.rule("not_a_server_error", "host_not_reflected", "valid_request_200")
def test_host_header_is_never_reflected(api: ApiClient, hostile: Hostile) -> None:
    target = rawhttp.Target.of(api.base_url)
    evil = f"evil-{secrets.token_hex(4)}.example"
    forged = [("X-Forwarded-Host", evil), ("X-Forwarded-Proto", "https"), ("Forwarded", f"host={evil};proto=https"),
              ("Authorization", f"Bearer {api.api_key}")]
    for method, path, body in (("GET", "/v1/models", b""), ("GET", "/v1/no-such-path", b""),
                               ("POST", "/v1/chat/completions/", b"{}"), ("GET", "/v1/models/no-such-model", b""),
                               ("POST", "/v1/chat/completions", b"{not json"), ("POST", "/v1/messages", b"{}")):
        for host in (evil, f"{evil}:443"):
            reply = rawhttp.exchange(api.base_url, rawhttp.request_bytes(target, method, path, forged, body,
                                                                          host=host))
            hostile.sent()
            what = f"{method} {path} with Host {host}"
            expect("not_a_server_error", reply.status is None or reply.status < 500, f"{what}: no 5xx",
                   reply.describe())
            shown = [f"{k}: {v}" for k, v in reply.headers if evil in v]
            expect("host_not_reflected", not shown and evil.encode() not in reply.body,
                   f"{what}: the forged host nowhere in the answer", shown or reply.body[:200])
            expect("host_not_reflected", reply.status is None or not 300 <= reply.status < 400,
                   f"{what}: no redirect", reply.describe())
    hostile.still_serves()


@pytest.mark.hostile("sizes")
@pytest.mark.rule(*BASE_RULES, "error_quotes_bounded")
@FORMATS
def test_errors_quote_little_of_what_they_were_sent(api: ApiClient, contract: Contract, hostile: Hostile,
                                                    driver: Driver) -> None:
    values = {"a 100,000-character model id": "m" * 100_000,
              "a model id of control characters": "\u0000\u001b[31mred\u0007\r\n" * 3,
              "a model id with markup": "<script>alert(1)</script>" * 4}
    for label, value in values.items():
        response = driver.create(api, driver.body(value, "Say hi."))
        hostile.sent()
        never_5xx(response, label)
        quotes_little(response.content, value)
        expect("error_quotes_bounded", len(response.content) < 4096, f"{label}: an error of under 4 KiB",
               f"{len(response.content)} bytes")
        not_forwarded(response, label)
    hostile.still_serves()
