"""Chat Completions request validation: malformed requests are 4xx in the OpenAI envelope (never 5xx),
unknown and misplaced models, catalog ranges and enums, and the body size limit."""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass, field
from typing import Any

import pytest

from suites.chat import CHAT, chat_body, complete, need
from suites.checks import errors, holds
from suites.checks.behaviour import param_named
from suites.client import ApiClient
from suites.contract import Contract
from suites.discovery import Discovery, lacking, param
from suites.upstreams import not_forwarded

ASSISTANT_CALL = {"role": "assistant", "content": None, "tool_calls": [
    {"id": "call_1", "type": "function", "function": {"name": "get_weather", "arguments": "{}"}}]}


@dataclass(frozen=True)
class Case:
    """A malformed request: a JSON body built from a valid one, or raw bytes; what the 400 must say."""

    build: Any  # (model_id) -> body (JSON-able) | bytes
    content_type: str = "application/json"
    param: str | None = None  # the error's param must start with this, when given
    codes: tuple[str, ...] = ()  # the error's code must be one of these, when given
    needs: str = "plain"  # which model: plain | reasoner
    status: tuple[int, ...] = field(default=(400,))


def _with(**fields: Any) -> Any:
    return lambda m: {**chat_body(m), **fields}


def _messages(*messages: Any) -> Any:
    return lambda m: {"model": m, "messages": list(messages)}


def _without(key: str) -> Any:
    return lambda m: {k: v for k, v in chat_body(m).items() if k != key}


CASES: dict[str, Case] = {
    "messages-null": Case(_with(messages=None), param="messages"),
    "messages-string": Case(_with(messages="hello"), param="messages"),
    "messages-object": Case(_with(messages={"role": "user", "content": "hi"}), param="messages"),
    "messages-int-list": Case(_with(messages=[123]), param="messages"),
    "messages-null-item": Case(_with(messages=[None]), param="messages"),
    "messages-empty-object": Case(_with(messages=[{}]), param="messages"),
    "messages-empty-list": Case(_with(messages=[]), param="messages"),
    "messages-missing": Case(_without("messages"), param="messages", codes=("missing_parameter",)),
    "role-missing": Case(_messages({"content": "hi"}), param="messages"),
    "role-invalid": Case(_messages({"role": "wizard", "content": "hi"}), param="messages"),
    "role-null": Case(_messages({"role": None, "content": "hi"}), param="messages"),
    "content-int": Case(_messages({"role": "user", "content": 123}), param="messages"),
    "content-missing": Case(_messages({"role": "user"}), param="messages"),
    "content-parts-empty": Case(_messages({"role": "user", "content": []}), param="messages"),
    "content-part-unknown-type": Case(_messages({"role": "user", "content": [{"type": "hologram", "data": "x"}]}),
                                      param="messages"),
    "content-part-text-missing": Case(_messages({"role": "user", "content": [{"type": "text"}]}), param="messages"),
    "unknown-role-function-without-name": Case(_messages({"role": "function", "content": "42"}), param="messages"),
    "tool-message-without-tool-call-id": Case(_messages({"role": "user", "content": "weather?"}, ASSISTANT_CALL,
                                                        {"role": "tool", "content": "sunny"}), param="messages"),
    "assistant-tool-calls-not-list": Case(_messages({"role": "user", "content": "hi"},
                                                    {"role": "assistant", "content": None, "tool_calls": "get_weather"}),
                                          param="messages"),
    "model-missing": Case(_without("model"), param="model", codes=("missing_parameter",)),
    "model-int": Case(_with(model=123), param="model"),
    "model-empty-string": Case(_with(model=""), param="model"),
    "temperature-string": Case(_with(temperature="hot"), param="temperature"),
    "temperature-too-high": Case(_with(temperature=3), param="temperature"),
    "top_p-negative": Case(_with(top_p=-0.5), param="top_p"),
    "frequency_penalty-too-high": Case(_with(frequency_penalty=2.5), param="frequency_penalty"),
    "max-tokens-zero": Case(_with(max_tokens=0), param="max_tokens"),
    "max-tokens-string": Case(_with(max_tokens="ten"), param="max_tokens"),
    "max-completion-tokens-negative": Case(_with(max_completion_tokens=-1), param="max_completion_tokens"),
    "max-completion-tokens-float": Case(_with(max_completion_tokens=2.5), param="max_completion_tokens"),
    "stream-string": Case(_with(stream="yes"), param="stream"),
    "n-string": Case(_with(n="two"), param="n"),
    "n-zero": Case(_with(n=0), param="n"),
    "stop-int": Case(_with(stop=5), param="stop"),
    "stop-too-many": Case(_with(stop=["a", "b", "c", "d", "e"]), param="stop"),
    "seed-float": Case(_with(seed=1.5), param="seed"),
    "tools-string": Case(_with(tools="get_weather"), param="tools"),
    "response-format-unknown-type": Case(_with(response_format={"type": "xml"}), param="response_format"),
    "logit-bias-not-object": Case(_with(logit_bias=[1, 2]), param="logit_bias"),
    "extra-huge-string-field": Case(_with(max_completion_tokens="9" * 1_000_000), param="max_completion_tokens"),
    "logprobs-on-reasoner": Case(_with(logprobs=True), param="logprobs", codes=("unsupported_parameter",),
                                 needs="reasoner"),
    "body-not-json": Case(lambda m: b'{"model": "' + m.encode() + b'", "messages": [', codes=("invalid_json",)),
    "body-invalid-utf8": Case(lambda m: b'{"model": "\xff\xfe", "messages": []}', codes=("invalid_json",)),
    "body-json-array": Case(lambda m: json.dumps([chat_body(m)]).encode()),
    "body-json-string": Case(lambda m: b'"hello"'),
    "body-json-null": Case(lambda m: b"null"),
    "body-empty": Case(lambda m: b"", codes=("invalid_json", "missing_parameter")),
    "content-type-text-plain": Case(lambda m: json.dumps(chat_body(m)).encode(), content_type="text/plain"),
}


def _model_for(discovery: Discovery, needs: str) -> dict[str, Any]:
    if needs == "reasoner":
        reasoners = [m for m in discovery.deepseek_style_reasoners() if param(m, "logprobs") is None]
        return need(reasoners[0] if reasoners else None, "DeepSeek-style reasoner that does not list logprobs")
    return need(discovery.plain_chat_model(), "chat model")


@pytest.mark.parametrize("case", list(CASES))
@pytest.mark.rule("malformed_request_4xx", "not_a_server_error", "openai_error_envelope", "validation_400")
def test_malformed_requests_are_4xx(api: ApiClient, contract: Contract, discovery: Discovery, case: str) -> None:
    spec = CASES[case]
    model = _model_for(discovery, spec.needs)
    built = spec.build(model["id"])
    content = built if isinstance(built, bytes) else json.dumps(built).encode()
    response = api.post(CHAT, content=content, headers={"content-type": spec.content_type})
    errors.no_server_error(response)
    holds("malformed_request_4xx", 400 <= response.status_code < 500,
          f"expected a 4xx, got {response.status_code}: {response.text[:300]!r}")
    holds("validation_400", response.status_code in spec.status,
          f"expected {spec.status}, got {response.status_code}: {response.text[:300]!r}")
    error = errors.openai_error(response, contract, status=response.status_code, type="invalid_request_error")
    if spec.codes:
        holds("error_code_decided", bool(error["code"] in spec.codes),
              f"code should be one of {spec.codes}, got {error['code']!r}")
    if spec.param:
        holds("error_param", bool((error["param"] or "").startswith(spec.param)),
              f"param should name {spec.param!r}, got {error['param']!r}")
    not_forwarded(response)

    after = complete(api, chat_body(model, max_completion_tokens=5))
    holds("valid_after_error", bool(after.status_code == 200),
          f"a valid request right after the 400 failed: {after.status_code} {after.text[:300]!r}")


@pytest.mark.parametrize("kind", ["unknown", "unavailable"])
@pytest.mark.rule("unknown_model_404", "error_code")
def test_unknown_model_is_404(api: ApiClient, contract: Contract, discovery: Discovery, kind: str) -> None:
    if kind == "unknown":
        model_id = f"no-such-model-{secrets.token_hex(4)}"
    else:
        unavailable = sorted(m["id"] for m in discovery.models
                             if not m.get("available") and CHAT in m.get("endpoints", ()))
        if not unavailable:
            pytest.skip(discovery.lacks_field("chat model with available: false", "available"))
        model_id = unavailable[0]
    response = complete(api, chat_body(model_id))
    error = errors.openai_error(response, contract, status=404, code="model_not_found", type="not_found_error")
    holds("error_param", bool(error["param"] == "model"),
          f"param should be model on POST (D-2), got {error['param']!r}")
    not_forwarded(response)


@pytest.mark.rule("model_wrong_endpoint")
def test_model_on_wrong_endpoint_is_400(api: ApiClient, contract: Contract, discovery: Discovery) -> None:
    others = discovery.non_chat_models()
    if not others:
        pytest.skip(discovery.lacks_field("available model that does not serve chat completions", "endpoints")
                    if discovery.source == "catalog" else lacking("model served on another endpoint but not on chat"))
    model = min(others, key=lambda m: (m.get("category") != "image", m["id"]))
    response = complete(api, chat_body(model))
    error = errors.openai_error(response, contract, status=400, code="model_not_supported_on_endpoint",
                                type="invalid_request_error")
    holds("model_wrong_endpoint", bool(error["param"] == "model"),
          f"param should be model, got {error['param']!r}")
    not_forwarded(response)


def _spec_property(contract: Contract, name: str) -> dict[str, Any]:
    props = contract.spec["components"]["schemas"]["ChatCompletionRequest"].get("properties", {})
    schema = props.get(name) or {}
    if "$ref" in schema:
        ref = schema["$ref"].rsplit("/", 1)[-1]
        schema = contract.spec["components"]["schemas"].get(ref, {})
    return schema


def _numeric(p: dict[str, Any]) -> bool:
    kind = p.get("type")
    return kind in ("integer", "number") and isinstance(p.get("maximum"), (int, float)) and not isinstance(p.get("maximum"), bool)


@pytest.mark.rule("catalog_range_400")
def test_parameter_out_of_catalog_range_is_400(api: ApiClient, contract: Contract, discovery: Discovery) -> None:
    candidates: list[tuple[bool, str, str, dict[str, Any], Any]] = []
    for model in discovery.chat_models():
        for p in model.get("supported_parameters", ()):
            if not _numeric(p) or p.get("applies_when") or p.get("alias_of"):
                continue
            spec_max = _spec_property(contract, p["name"]).get("maximum")
            catalog_only = spec_max is None or spec_max > p["maximum"]
            value = p["maximum"] + 1 if p["type"] == "integer" else p["maximum"] + 0.5
            candidates.append((not catalog_only, p["name"], model["id"], model, value))
    if not candidates:
        pytest.skip(discovery.lacks_field("chat model declaring a numeric maximum in supported_parameters",
                                          "supported_parameters"))
    _expect_rejected(api, contract, candidates, "maximum")


@pytest.mark.rule("catalog_enum_400")
def test_enum_parameter_outside_enum_is_400(api: ApiClient, contract: Contract, discovery: Discovery) -> None:
    candidates: list[tuple[bool, str, str, dict[str, Any], Any]] = []
    for model in discovery.chat_models():
        for p in model.get("supported_parameters", ()):
            enum = p.get("enum")
            if p.get("type") != "string" or not isinstance(enum, list) or not enum or p.get("applies_when"):
                continue
            spec_enum = _spec_property(contract, p["name"]).get("enum") or []
            outside = [v for v in spec_enum if isinstance(v, str) and v not in enum]
            value = outside[0] if outside else f"not-an-option-{secrets.token_hex(3)}"
            candidates.append((not (outside or not spec_enum), p["name"], model["id"], model, value))
    if not candidates:
        pytest.skip(discovery.lacks_field("chat model declaring a string enum in supported_parameters",
                                          "supported_parameters"))
    _expect_rejected(api, contract, candidates, "enum")


def _expect_rejected(api: ApiClient, contract: Contract, candidates: list[tuple[bool, str, str, dict[str, Any], Any]],
                     bound: str) -> None:
    """Send up to three distinct out-of-catalog values (catalog-only bounds first); each must be a 400
    naming its parameter."""
    rule = "catalog_enum_400" if bound == "enum" else "catalog_range_400"
    candidates.sort(key=lambda c: (c[0], c[1], c[2]))
    picked: dict[str, tuple[bool, str, str, dict[str, Any], Any]] = {}
    for c in candidates:
        picked.setdefault(c[1], c)
    problems = []
    for _, name, model_id, model, value in list(picked.values())[:3]:
        response = complete(api, chat_body(model, **{name: value}))
        try:
            error = errors.openai_error(response, contract, status=400, type="invalid_request_error")
            param_named(error, name, rule)
            not_forwarded(response)
        except AssertionError as exc:
            problems.append(f"{model_id} {name}={value!r} (catalog {bound} {(param(model, name) or {}).get(bound)}): {exc}")
    holds(rule, not problems, "; ".join(problems))


@pytest.mark.rule("body_size_413")
def test_body_over_size_limit_is_413(api: ApiClient, contract: Contract, discovery: Discovery) -> None:
    model = need(discovery.plain_chat_model(), "chat model")
    limit = int(contract.spec.get("x-empiriolabs-limits", {}).get("json_body_max_bytes", 20 * 1024 * 1024))
    filler = "a" * (limit + 1024 * 1024)
    content = json.dumps(chat_body(model, filler)).encode()
    holds("body_size_413", bool(len(content) > limit),
          'expected len(content) > limit')
    response = api.post(CHAT, content=content, headers={"content-type": "application/json"})
    errors.openai_error(response, contract, status=413, code="request_too_large", type="invalid_request_error")
    not_forwarded(response)
