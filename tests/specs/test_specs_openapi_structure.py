"""Structural guarantees of specs/openapi.yaml that the harness relies on."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

HTTP_METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}
GENERATION_ERRORS = {"400", "401", "402", "404", "413", "429", "500", "502", "503"}

# The decided status table (specs/DECISIONS.md). Exact: no more, no fewer.
EXPECTED_OPERATIONS: dict[tuple[str, str], tuple[str, set[str]]] = {
    ("get", "/v1/models"): ("listModels", {"200", "400", "401", "429", "500"}),
    ("get", "/v1/models/{model_id}"): ("retrieveModel", {"200", "401", "404", "429", "500"}),
    ("post", "/v1/chat/completions"): ("createChatCompletion", {"200"} | GENERATION_ERRORS),
    ("post", "/v1/responses"): ("createResponse", {"200"} | GENERATION_ERRORS),
    ("get", "/v1/responses/{response_id}"): ("retrieveResponse", {"200", "401", "404", "429", "500"}),
    ("delete", "/v1/responses/{response_id}"): ("deleteResponse", {"200", "401", "404", "429", "500"}),
    ("get", "/v1/responses/{response_id}/input_items"): ("listInputItems", {"200", "400", "401", "404", "429", "500"}),
    ("post", "/v1/messages"): ("createMessage", {"200", "529"} | GENERATION_ERRORS),
    ("post", "/v1/embeddings"): ("createEmbedding", {"200"} | GENERATION_ERRORS),
    ("post", "/v1/images/generations"): ("createImage", {"200", "202"} | GENERATION_ERRORS),
    ("post", "/v1/videos/generations"): ("createVideo", {"202"} | GENERATION_ERRORS),
    ("post", "/v1/audio/speech"): ("createSpeech", {"200"} | GENERATION_ERRORS),
    ("post", "/v1/audio/transcriptions"): ("createTranscription", {"202"} | GENERATION_ERRORS),
    ("post", "/v1/search"): ("createSearch", {"200", "202"} | GENERATION_ERRORS),
    ("post", "/v1/files/upload"): ("uploadFile", {"200", "400", "401", "413", "429", "500"}),
    ("get", "/v1/jobs/{job_id}"): ("getJob", {"200", "401", "404", "429", "500"}),
    ("get", "/v1/media/{object_id}/{filename}"): ("getMedia", {"200", "403", "404", "429", "500"}),
    ("get", "/v1/usage"): ("listUsage", {"200", "400", "401", "404", "429", "500"}),
}
PUBLIC_OPERATIONS = {("get", "/v1/media/{object_id}/{filename}")}
"""Operations whose credential is not an API key (signed media URLs, D-90)."""

STREAMING_OPERATIONS = {
    "createChatCompletion": {"chunk", "usage", "error", "done"},
    "createResponse": {
        "response.created",
        "response.in_progress",
        "response.output_item.added",
        "response.content_part.added",
        "response.output_text.delta",
        "response.output_text.done",
        "response.content_part.done",
        "response.output_item.done",
        "response.function_call_arguments.delta",
        "response.function_call_arguments.done",
        "response.reasoning_text.delta",
        "response.reasoning_text.done",
        "response.reasoning_summary_part.added",
        "response.reasoning_summary_text.delta",
        "response.reasoning_summary_text.done",
        "response.reasoning_summary_part.done",
        "response.completed",
        "response.failed",
        "response.incomplete",
        "error",
    },
    "createMessage": {
        "message_start",
        "content_block_start",
        "content_block_delta",
        "content_block_stop",
        "message_delta",
        "message_stop",
        "ping",
        "error",
    },
}


# --- helpers ----------------------------------------------------------------


def resolve(doc: dict[str, Any], node: Any) -> Any:
    """Follow local `$ref`s until a non-ref node."""
    seen = set()
    while isinstance(node, dict) and "$ref" in node:
        ref = node["$ref"]
        assert ref.startswith("#/"), f"non-local $ref {ref}"
        assert ref not in seen, f"$ref cycle at {ref}"
        seen.add(ref)
        target: Any = doc
        for part in ref[2:].split("/"):
            part = part.replace("~1", "/").replace("~0", "~")
            assert isinstance(target, dict) and part in target, f"unresolvable $ref {ref}"
            target = target[part]
        node = target
    return node


def refs_in(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str):
                yield value
            else:
                yield from refs_in(value)
    elif isinstance(node, list):
        for item in node:
            yield from refs_in(item)


def schema_closure(doc: dict[str, Any], schema: Any) -> set[str]:
    """Names of every component schema reachable from `schema`."""
    names: set[str] = set()
    stack = [schema]
    while stack:
        for ref in refs_in(stack.pop()):
            if ref.startswith("#/components/schemas/"):
                name = ref.rsplit("/", 1)[1]
                if name not in names:
                    names.add(name)
                    stack.append(doc["components"]["schemas"][name])
    return names


def operations(doc: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, item in doc["paths"].items():
        for method, op in item.items():
            if method in HTTP_METHODS:
                yield method, path, op


def const_of(doc: dict[str, Any], schema: Any, prop: str) -> Any:
    """The `const` a schema (through `$ref`/`allOf`) pins on a top-level property."""
    schema = resolve(doc, schema)
    found = []
    if "properties" in schema and prop in schema["properties"]:
        p = resolve(doc, schema["properties"][prop])
        if "const" in p:
            found.append(p["const"])
    for sub in schema.get("allOf", []):
        value = const_of(doc, sub, prop)
        if value is not None:
            found.append(value)
    assert len(set(map(repr, found))) <= 1, f"conflicting consts for {prop}: {found}"
    return found[0] if found else None


def required_of(doc: dict[str, Any], schema: Any) -> set[str]:
    schema = resolve(doc, schema)
    req = set(schema.get("required", []))
    for sub in schema.get("allOf", []):
        req |= required_of(doc, sub)
    return req


# --- paths and operations ---------------------------------------------------


def test_every_documented_operation_exists_with_its_operation_id(openapi: dict[str, Any]) -> None:
    for (method, path), (operation_id, _) in EXPECTED_OPERATIONS.items():
        assert path in openapi["paths"], f"missing path {path}"
        op = openapi["paths"][path].get(method)
        assert op is not None, f"missing {method.upper()} {path}"
        assert op.get("operationId") == operation_id


def test_no_undocumented_operations(openapi: dict[str, Any]) -> None:
    assert {(m, p) for m, p, _ in operations(openapi)} == set(EXPECTED_OPERATIONS)


def test_operation_ids_are_unique(openapi: dict[str, Any]) -> None:
    ids = [op["operationId"] for _, _, op in operations(openapi)]
    assert len(ids) == len(set(ids))


@pytest.mark.parametrize(("method", "path"), sorted(EXPECTED_OPERATIONS))
def test_operation_statuses_are_exactly_the_decided_set(
    openapi: dict[str, Any], method: str, path: str
) -> None:
    _, expected = EXPECTED_OPERATIONS[(method, path)]
    assert set(openapi["paths"][path][method]["responses"]) == expected


@pytest.mark.parametrize(("method", "path"), sorted(EXPECTED_OPERATIONS))
def test_every_operation_declares_401_429_500(openapi: dict[str, Any], method: str, path: str) -> None:
    responses = openapi["paths"][path][method]["responses"]
    assert ({"429", "500"} if (method, path) in PUBLIC_OPERATIONS else {"401", "429", "500"}) <= set(responses)


def test_security_schemes(openapi: dict[str, Any]) -> None:
    schemes = openapi["components"]["securitySchemes"]
    assert set(schemes) == {"bearerAuth", "apiKeyAuth"}
    assert schemes["bearerAuth"]["type"] == "http"
    assert schemes["bearerAuth"]["scheme"] == "bearer"
    assert "sk-empiriolabs-" in schemes["bearerAuth"]["bearerFormat"]
    assert schemes["apiKeyAuth"] == {
        **schemes["apiKeyAuth"],
        "type": "apiKey",
        "in": "header",
        "name": "x-api-key",
    }


@pytest.mark.parametrize(("method", "path"), sorted(set(EXPECTED_OPERATIONS) - PUBLIC_OPERATIONS))
def test_every_operation_accepts_both_auth_schemes(openapi: dict[str, Any], method: str, path: str) -> None:
    assert openapi["paths"][path][method]["security"] == [{"bearerAuth": []}, {"apiKeyAuth": []}]


def test_signed_media_urls_need_no_key(openapi: dict[str, Any]) -> None:
    for method, path in PUBLIC_OPERATIONS:
        assert openapi["paths"][path][method]["security"] == []


# --- error envelopes --------------------------------------------------------


def _error_schemas(doc: dict[str, Any]) -> Iterator[tuple[str, str, str, Any]]:
    for method, path, op in operations(doc):
        for status, response in op["responses"].items():
            if int(status) >= 400:
                resolved = resolve(doc, response)
                content = resolved.get("content", {})
                assert set(content) == {"application/json"}, f"{method} {path} {status}: {set(content)}"
                yield method, path, status, content["application/json"]["schema"]


def test_error_responses_use_the_right_envelope(openapi: dict[str, Any]) -> None:
    checked = 0
    for method, path, status, schema in _error_schemas(openapi):
        closure = schema_closure(openapi, {"x": schema})
        if path == "/v1/messages":
            assert "AnthropicError" in closure, f"{method} {path} {status} is not the Anthropic envelope"
            assert "OpenAIError" not in closure, f"{method} {path} {status} mixes envelopes"
        else:
            assert "OpenAIError" in closure, f"{method} {path} {status} is not the OpenAI envelope"
            assert "AnthropicError" not in closure, f"{method} {path} {status} mixes envelopes"
        checked += 1
    assert checked > 80


def test_openai_error_body_requires_all_four_keys(openapi: dict[str, Any]) -> None:
    body = openapi["components"]["schemas"]["OpenAIErrorBody"]
    assert set(body["required"]) == {"message", "type", "param", "code"}


ANTHROPIC_TYPE_BY_STATUS = {
    "400": "invalid_request_error",
    "401": "authentication_error",
    "402": "billing_error",
    "404": "not_found_error",
    "413": "request_too_large",
    "429": "rate_limit_error",
    "500": "api_error",
    "502": "api_error",
    "503": "overloaded_error",
    "529": "overloaded_error",
}

OPENAI_TYPE_CODE_BY_STATUS = {
    "401": ("authentication_error", None),
    "402": ("billing_error", "insufficient_credits"),
    "413": ("invalid_request_error", "request_too_large"),
    "429": ("rate_limit_error", "rate_limit_exceeded"),
    "500": ("api_error", "internal_error"),
    "502": ("api_error", "upstream_error"),
    "503": ("api_error", "model_unavailable"),
}


def _error_type_const(doc: dict[str, Any], schema: Any, key: str) -> Any:
    schema = resolve(doc, schema)
    for sub in schema.get("allOf", []):
        sub = resolve(doc, sub)
        error = sub.get("properties", {}).get("error", {})
        node = error.get("properties", {}).get(key, {})
        if "const" in node:
            return node["const"]
    return None


def test_anthropic_error_type_is_pinned_per_status(openapi: dict[str, Any]) -> None:
    for _, path, status, schema in _error_schemas(openapi):
        if path == "/v1/messages":
            assert _error_type_const(openapi, schema, "type") == ANTHROPIC_TYPE_BY_STATUS[status], status


def test_openai_error_type_and_code_are_pinned_per_status(openapi: dict[str, Any]) -> None:
    for method, path, status, schema in _error_schemas(openapi):
        if path == "/v1/messages" or status not in OPENAI_TYPE_CODE_BY_STATUS:
            continue
        want_type, want_code = OPENAI_TYPE_CODE_BY_STATUS[status]
        assert _error_type_const(openapi, schema, "type") == want_type, (method, path, status)
        if want_code is not None:
            assert _error_type_const(openapi, schema, "code") == want_code, (method, path, status)


def test_404_codes_distinguish_models_jobs_and_responses(openapi: dict[str, Any]) -> None:
    for method, path, status, schema in _error_schemas(openapi):
        if status == "404" and path != "/v1/messages":
            want = ("job_not_found" if path.startswith("/v1/jobs") else
                    "response_not_found" if path.startswith("/v1/responses/") else
                    "not_found" if path.startswith(("/v1/media/", "/v1/usage")) else "model_not_found")
            assert _error_type_const(openapi, schema, "code") == want, (method, path)


def test_fallback_responses_cover_unknown_paths_and_methods(openapi: dict[str, Any]) -> None:
    fallback = openapi["x-fallback-responses"]
    assert fallback["unknown-path"]["status"] == 404
    assert fallback["method-not-allowed"]["status"] == 405
    assert fallback["method-not-allowed-messages"]["path"] == "/v1/messages"
    not_found = resolve(openapi, fallback["unknown-path"]["response"])["content"]["application/json"][
        "schema"
    ]
    assert _error_type_const(openapi, not_found, "code") == "not_found"
    method = resolve(openapi, fallback["method-not-allowed"]["response"])["content"]["application/json"][
        "schema"
    ]
    assert _error_type_const(openapi, method, "code") == "method_not_allowed"
    messages = resolve(openapi, fallback["method-not-allowed-messages"]["response"])
    assert "AnthropicError" in schema_closure(openapi, messages)


# --- headers ----------------------------------------------------------------

RATE_LIMIT_HEADERS = {
    "x-ratelimit-limit-requests",
    "x-ratelimit-remaining-requests",
    "x-ratelimit-reset-requests",
    "x-ratelimit-limit-tokens",
    "x-ratelimit-remaining-tokens",
    "x-ratelimit-reset-tokens",
}


def test_every_429_requires_retry_after_and_offers_rate_limit_headers(openapi: dict[str, Any]) -> None:
    for method, path, op in operations(openapi):
        response = resolve(openapi, op["responses"]["429"])
        headers = {name: resolve(openapi, h) for name, h in response["headers"].items()}
        assert headers["retry-after"]["required"] is True, (method, path)
        assert headers["retry-after"]["schema"]["type"] == "integer"
        assert RATE_LIMIT_HEADERS <= set(headers), (method, path)
        for name in RATE_LIMIT_HEADERS:
            assert headers[name]["required"] is False
        if path == "/v1/messages":
            assert {
                f"anthropic-ratelimit-{k}-{f}"
                for k in ("requests", "tokens")
                for f in ("limit", "remaining", "reset")
            } <= set(headers)


def test_only_retry_after_on_429_is_a_required_header(openapi: dict[str, Any]) -> None:
    for name, header in openapi["components"]["headers"].items():
        assert header["required"] is (name == "RetryAfter"), name


def test_reset_headers_use_the_duration_format(openapi: dict[str, Any], schema: Any) -> None:
    duration = schema("Duration")
    for good in ("1s", "6m0s", "12ms", "1h2m3.5s", "59s", "0s"):
        assert duration.is_valid(good), good
    for bad in ("", "s", "1", "1 s", "1.5", "-1s", "PT1S", "1sec"):
        assert not duration.is_valid(bad), bad


# --- SSE catalogue ----------------------------------------------------------


def _sse(openapi: dict[str, Any], operation_id: str) -> dict[str, Any]:
    for _, _, op in operations(openapi):
        if op["operationId"] == operation_id:
            return op["responses"]["200"]["content"]["text/event-stream"]
    raise AssertionError(operation_id)


@pytest.mark.parametrize("operation_id", sorted(STREAMING_OPERATIONS))
def test_streaming_operations_offer_json_and_event_stream(openapi: dict[str, Any], operation_id: str) -> None:
    for _, _, op in operations(openapi):
        if op["operationId"] == operation_id:
            assert set(op["responses"]["200"]["content"]) == {"application/json", "text/event-stream"}


@pytest.mark.parametrize("operation_id", sorted(STREAMING_OPERATIONS))
def test_sse_event_labels_are_the_decided_catalogue(openapi: dict[str, Any], operation_id: str) -> None:
    assert set(_sse(openapi, operation_id)["x-sse-events"]) == STREAMING_OPERATIONS[operation_id]


@pytest.mark.parametrize("operation_id", sorted(STREAMING_OPERATIONS))
def test_every_sse_ref_resolves_to_a_named_component(openapi: dict[str, Any], operation_id: str) -> None:
    for label, ref in _sse(openapi, operation_id)["x-sse-events"].items():
        assert set(ref) == {"$ref"}, label
        assert ref["$ref"].startswith("#/components/schemas/"), label
        target = resolve(openapi, ref)
        assert isinstance(target, dict) and target, label


@pytest.mark.parametrize("operation_id", ["createResponse", "createMessage"])
def test_named_event_labels_equal_the_type_const(openapi: dict[str, Any], operation_id: str) -> None:
    for label, ref in _sse(openapi, operation_id)["x-sse-events"].items():
        assert const_of(openapi, ref, "type") == label, label
        assert "type" in required_of(openapi, ref), label


def test_responses_events_require_an_integer_sequence_number(openapi: dict[str, Any]) -> None:
    for label, ref in _sse(openapi, "createResponse")["x-sse-events"].items():
        assert "sequence_number" in required_of(openapi, ref), label
        prop = resolve(openapi, ref)["properties"]["sequence_number"]
        assert prop["type"] == "integer", label


def test_chat_stream_labels_map_to_the_expected_schemas(openapi: dict[str, Any]) -> None:
    events = _sse(openapi, "createChatCompletion")["x-sse-events"]
    assert {k: v["$ref"].rsplit("/", 1)[1] for k, v in events.items()} == {
        "chunk": "ChatCompletionChunk",
        "usage": "ChatCompletionUsageChunk",
        "error": "ChatCompletionStreamError",
        "done": "StreamDone",
    }
    assert resolve(openapi, events["done"])["const"] == "[DONE]"


# --- the model object -------------------------------------------------------


def _all_required(schema: dict[str, Any]) -> set[str]:
    """``required`` plus the fields a decision requires (``x-decision-required``, applied by ``--rules all``)."""
    decided = schema.get("x-decision-required") or {}
    return set(schema.get("required", [])) | {f for fields in decided.values() for f in fields}


def test_model_documented_required_fields(openapi: dict[str, Any]) -> None:
    model = openapi["components"]["schemas"]["Model"]
    assert set(model["required"]) == {"id", "object", "display_name", "provider", "input_modalities",
                                      "output_modalities", "context_window", "served_from", "capabilities",
                                      "pricing_rows", "supported_parameters", "api_status"}
    assert set(model["x-decision-required"]) == {"D-35"}


def test_model_required_fields_are_exactly_the_contract(openapi: dict[str, Any]) -> None:
    model = openapi["components"]["schemas"]["Model"]
    assert _all_required(model) == {
        "id",
        "object",
        "created",
        "owned_by",
        "display_name",
        "provider",
        "category",
        "endpoints",
        "input_modalities",
        "output_modalities",
        "context_window",
        "served_from",
        "features",
        "capabilities",
        "pricing_rows",
        "supported_parameters",
        "default_params",
        "api_status",
        "available",
    }
    for optional in ("description", "max_output_tokens", "is_new", "native_inference", "variant_of"):
        assert optional in model["properties"] and optional not in _all_required(model)
    assert model["properties"]["pricing_rows"]["minItems"] == 1


def test_pricing_row_and_parameter_spec_shapes(openapi: dict[str, Any]) -> None:
    schemas = openapi["components"]["schemas"]
    assert _all_required(schemas["PricingRow"]) == {
        "charge",
        "spec",
        "unit",
        "direction",
        "per",
        "rate_usd",
        "list_rate_usd",
        "tier",
    }
    assert "conditions" in schemas["PricingRow"]["properties"]
    assert set(schemas["ParameterSpec"]["required"]) == {"name", "type"}
    assert set(schemas["ModelCapabilities"]["required"]) == {
        "streaming",
        "system_prompt",
        "tool_calling",
        "vision",
        "audio_input",
        "video_input",
        "web_search",
        "thinking",
        "citations",
    }


def test_model_endpoints_enum_lists_every_post_generation_path(openapi: dict[str, Any]) -> None:
    enum = set(openapi["components"]["schemas"]["ModelEndpoint"]["enum"])
    posts = {p for m, p, _ in operations(openapi) if m == "post" and p != "/v1/files/upload"}
    assert enum == posts


# --- limits and hygiene -----------------------------------------------------


def test_limits_extension_records_the_decided_numbers(openapi: dict[str, Any]) -> None:
    limits = openapi["x-empiriolabs-limits"]
    assert limits["requests_per_minute"] == 50
    assert limits["tokens_per_minute"] == 2_000_000
    assert limits["rate_limit_scope"] == "account"
    assert limits["job_retention_seconds"] == 3600
    assert limits["response_retention_seconds"] == 30 * 24 * 3600
    ids = {op["operationId"] for _, _, op in operations(openapi)}
    assert set(limits["counted_operations"]) | set(limits["auxiliary_operations"]) == ids
    assert not set(limits["counted_operations"]) & set(limits["auxiliary_operations"])


def test_request_bodies_are_named_components(openapi: dict[str, Any]) -> None:
    for method, path, op in operations(openapi):
        body = op.get("requestBody")
        if method in ("get", "delete"):
            assert body is None
            continue
        assert body["required"] is True
        for media, content in body["content"].items():
            assert set(content["schema"]) == {"$ref"}, (path, media)


def test_success_responses_are_named_components(openapi: dict[str, Any]) -> None:
    for _, path, op in operations(openapi):
        for status, response in op["responses"].items():
            if int(status) < 300:
                for media, content in resolve(openapi, response)["content"].items():
                    assert set(content["schema"]) == {"$ref"}, (path, status, media)


def test_request_schemas_do_not_forbid_extra_fields(openapi: dict[str, Any]) -> None:
    for name, body in openapi["components"]["schemas"].items():
        assert body.get("additionalProperties") is not False, name


def test_every_component_is_reachable(openapi: dict[str, Any]) -> None:
    """Redocly's no-unused-components is off (it ignores extensions); this check replaces it."""
    outside = {k: v for k, v in openapi.items() if k != "components"}
    reached: set[str] = set()
    stack: list[Any] = [outside]
    while stack:
        for ref in refs_in(stack.pop()):
            if ref not in reached:
                reached.add(ref)
                stack.append(resolve(openapi, {"$ref": ref}))
    for kind in ("schemas", "responses", "headers", "parameters"):
        for name in openapi["components"][kind]:
            assert f"#/components/{kind}/{name}" in reached, f"unused component {kind}/{name}"


def test_yaml_has_no_accidental_booleans_in_enums(openapi: dict[str, Any]) -> None:
    """YAML 1.1 turns bare yes/no/on/off into booleans; enums must hold what we wrote."""

    def walk(node: Any) -> Iterator[list[Any]]:
        if isinstance(node, dict):
            if isinstance(node.get("enum"), list):
                yield node["enum"]
            for value in node.values():
                yield from walk(value)
        elif isinstance(node, list):
            for item in node:
                yield from walk(item)

    for enum in walk(openapi):
        assert not any(isinstance(v, bool) for v in enum), enum
