"""Rules about behaviour a test exercises as a whole (a request and what the deployment does with it),
and the small named checks the test files use for them.

The format modules (:mod:`suites.checks.chat`, ``messages``, ``responses``) hold the rules about one
response's content; this module holds the rest: authentication, validation, limits, routing, SDKs,
relations between requests.
"""

from __future__ import annotations

from typing import Any

from suites.checks import expect
from suites.rules import register, register_all

__all__ = ["id_prefix", "ok_json", "param_named", "status_is"]

register("valid_request_200", "docs:concepts#compatibility-layer",
         "a valid request in the OpenAI or Anthropic shape is answered 200 in that shape")
register_all("docs:authentication#intro", {
    "auth_bearer": "a valid key in Authorization: Bearer authenticates",
})
register("auth_x_api_key", "docs:api-reference-overview#intro", "a valid key in x-api-key authenticates")
register_all("docs:authentication#common-authentication-responses", {
    "auth_missing_key": "no key is a 401 (code missing_api_key)",
    "auth_invalid_key": "an unknown or malformed key is a 401 (code invalid_api_key)",
    "credits_402": "an account without credits gets 402 (code insufficient_credits)",
})
register("auth_key_prefix", "docs:authentication#api-key-format", "keys start sk-empiriolabs-; others are refused")
register("auth_revoked_key", "docs:rate-limits-and-api-keys#common-errors", "an inactive key is invalid_api_key")
register("auth_second_key", "docs:rate-limits-and-api-keys#managing-api-keys", "every key of the account works")
register("auth_conflicting_keys", "decision:D-7", "two different keys in the two headers are a 401")
register("messages_anthropic_version_optional", "decision:D-7", "anthropic-version is accepted, not required")
register("auth_scheme_case", "decision:D-36", "the Bearer scheme name is case-insensitive (RFC 7235)")
register("rate_limit_429", "docs:rate-limits-and-api-keys#rate-limit-behavior",
         "beyond the account's limit the API answers 429")
register("rate_limit_retry_after", "decision:D-4", "a 429 carries retry-after in seconds (1-60)")
register("response_id_prefix", "decision:D-11", "response ids are the gateway's own (chatcmpl-, msg_, resp_)")
register("upstream_failure_status", "decision:D-11",
         "upstream failures are 502 upstream_error / 503 model_unavailable, in the endpoint's envelope")
register("internal_error_envelope", "decision:D-28", "a gateway bug is a 500 internal_error in the envelope")
register("valid_after_error", "decision:D-36", "a rejected request does not affect the next valid one")
register("stream_matches_non_stream", "decision:D-36",
         "against deterministic upstreams, a stream builds the same answer as the non-stream request")
register("same_text_across_formats", "decision:D-36",
         "against deterministic upstreams, one prompt gives the same text on every format")
register("tool_arguments_empty_accepted", "decision:D-36",
         "a tool call with empty or {} arguments can be sent back in the history")
register("max_tokens_alias", "decision:D-10", "max_tokens means max_completion_tokens; two different values are a 400")
register_all("openai:chat-completion-request", {
    "stop_sequence_respected": "the answer stops before a stop sequence and does not contain it",
    "max_tokens_bound": "max_completion_tokens bounds the answer's completion tokens",
    "tool_choice_modes": "tool_choice none / auto / required / a named function are honoured",
    "parallel_tool_calls": "several independent calls come back as several tool calls",
})
register("stream_not_buffered", "openai:chat-streaming#incremental",
         "stream events arrive as they are produced, not all at the end")
register("stream_options_needs_stream", "decision:D-20", "stream_options without stream: true is a 400")
register("invalid_tools_400", "decision:D-20", "malformed tools or tool_choice are a 400 from the gateway")
register("reasoning_items_round_trip", "deepseek:guides/thinking_mode#tool-calls",
         "a Responses reasoning item sent back before a function_call reaches a DeepSeek thinking-mode upstream "
         "as that assistant turn's reasoning_content, with the item's text")
register("signed_thinking_passed_back", "anthropic:extended-thinking#preserving-thinking-blocks",
         "a Claude thinking block sent back on /v1/messages with its signature reaches the Anthropic upstream "
         "unchanged (text and signature) at the start of the tool-use turn, and the tool loop is answered")
register("claude_reasoning_tokens", "decision:D-64",
         "a Claude answer that shows thinking reports reasoning tokens (an estimate within the output tokens, "
         "Anthropic reporting none apart)")
register("unsigned_tool_turn_answered", "decision:D-62",
         "a Claude tool loop with thinking through a format that carries no thinking signature (chat completions, "
         "Responses) is answered at every step: the continuation after tool results is not refused")
register("encrypted_reasoning_round_trip", "openai:reasoning#encrypted-reasoning-items",
         "with include reasoning.encrypted_content a Claude reasoning item carries encrypted_content (stream: in "
         "response.output_item.done as in the final response); sent back before its function_call, the "
         "continuation reaches the Anthropic upstream with thinking on, the turn starting with the signed thinking")
register("tool_round_trip", "docs:api-reference-overview#tool-calling",
         "a tool result sent back (role tool / tool_result / function_call_output) reaches the model")
register("disable_formatting", "docs:api-reference-overview#universal-disable-formatting-flag",
         "disable_formatting (or raw, passthrough, raw_response) removes the Thinking header")
register_all("decision:D-8", {
    "disable_formatting_same_answer": "with formatting off the content is the default content without the block",
    "reasoning_exclude": "reasoning.exclude / include_reasoning: false hide the reasoning",
    "thinking_block_history": "an assistant turn starting with the gateway's Thinking block is accepted",
})
register("reasoning_controls", "decision:D-20", "reasoning_effort / enable_thinking / thinking_budget change the output")
register("reasoning_tokens_reported", "openai:chat-completion-usage#reasoning-tokens",
         "a reasoning answer reports completion_tokens_details.reasoning_tokens")
register("malformed_request_4xx", "openai:error-codes", "a malformed request is a 400 in the error envelope")
register("validation_400", "decision:D-2", "a malformed request is exactly a 400 invalid_request_error (not 415 or 422)")
register("unknown_model_404", "openai:error-codes", "an unknown model is a 404 model_not_found")
register("model_wrong_endpoint", "decision:D-15", "a model not served on the endpoint is 400 model_not_supported_on_endpoint")
register_all("decision:D-27", {
    "catalog_range_400": "a value outside the catalog's declared range is 400 invalid_parameter naming it",
    "catalog_enum_400": "a value outside the catalog's declared enum is 400 invalid_parameter naming it",
})
register("body_size_413", "decision:D-14", "a JSON body over 20 MiB is 413 request_too_large")
register("messages_content_forms", "anthropic:messages#content", "string content and text blocks both work")
register("messages_max_tokens_required", "docs:openai-and-anthropic-compatibility#anthropic-style-messages-endpoint",
         "/v1/messages requires max_tokens")
register("messages_stop_sequences", "anthropic:messages#stop-sequences",
         "a matched stop sequence gives stop_reason stop_sequence naming it")
register("responses_id_stable", "openai:responses-streaming", "the response id is the same on every event")
register_all("anthropic:tool-use", {
    "messages_tool_choice": "tool_choice auto / any / tool gives tool_use blocks last and stop_reason tool_use",
    "messages_parallel_tool_use": "several tool_use blocks in one message",
    "tool_result_is_error": "a tool_result with is_error reaches the model",
    "tool_result_with_text": "tool_result blocks mixed with text in one user turn",
})
register("messages_invalid_tools_400", "decision:D-21", "malformed tools or tool_choice are a 400 from the gateway")
register("available_filter", "docs:getting-started#quickstart", "?available=true lists exactly the available models")
register("available_value_400", "decision:D-15", "?available= other than true/false is a 400")
register("available_filter_false", "decision:D-15", "?available=false lists exactly the models with available: false")
register("available_value_strict", "decision:D-37",
         "?available= is exactly true or false: 1, 0, yes, no, TRUE or empty are a 400 invalid_parameter")
register("retrieve_model", "docs:models-and-pricing#retrieve-one-model", "GET /v1/models/{id} returns that model")
register("retrieve_matches_list", "decision:D-5", "GET /v1/models/{id} returns exactly the model's list entry")
register("model_ids_with_colon", "decision:D-5", "variant ids with a colon resolve on GET /v1/models/{id}")
register("models_free", "docs:ai-agent-access#live-source-of-truth-endpoints",
         "the catalog endpoints are read-only and free: listing needs no credits")
register("responses_input_forms", "docs:openai-and-anthropic-compatibility#openai-responses-compatible-endpoint",
         "input as a string or as items, with instructions, reaches the model")
register_all("decision:D-12", {
    "unknown_path_404": "an undefined path is 404 not_found in the OpenAI envelope, key or not",
    "wrong_method_405": "a defined path with another method is 405 with Allow, in the endpoint's envelope",
})
register("request_id_unique", "decision:D-33", "x-request-id, when sent, is unique per request")
register("responses_match_contract", "docs:api-reference-overview#endpoints",
         "every documented operation answers as the contract (specs/openapi.yaml) describes")
register("sdk_openai", "docs:getting-started#quickstart", "the official OpenAI SDK works against the base URL")
register("sdk_anthropic", "docs:openai-and-anthropic-compatibility#sdk-configuration-cheat-sheet",
         "the official Anthropic SDK works against the base URL")
register("error_param", "decision:D-2", "a 400 names the offending field in param")


def status_is(rule: str, response: Any, expected: int) -> None:
    """``response`` has status ``expected`` (rule ``rule``)."""
    got = response.status_code
    expect(rule, got == expected, f"status {expected}", f"{got}: {response.text[:200]}")


def ok_json(rule: str, response: Any) -> Any:
    """``response`` is a 200 (rule ``rule``); returns its JSON body."""
    status_is(rule, response, 200)
    return response.json()


def param_named(error: Any, expected: str, rule: str = "error_param") -> None:
    """The error's ``param`` is ``expected`` (D-2 unless ``rule`` says otherwise)."""
    got = error.get("param") if isinstance(error, dict) else None
    expect(rule, got == expected, f"param {expected!r}", got)


def id_prefix(value: Any, prefix: str) -> None:
    """A response id is the gateway's own: it starts with ``prefix`` (D-11)."""
    expect("response_id_prefix", isinstance(value, str) and value.startswith(prefix), f"an id starting {prefix!r}", value)
