"""Named defects: deliberate contract breaks the self-tests switch on to prove the suites can fail.

Each :class:`Defect` names the contract rule it breaks and the suite checks (pytest node ids relative
to the repository root) that must fail while it is on. Defects can only be switched on in test mode
(``[test] mode = true``); a production gateway refuses them at start-up and exposes no control API.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

__all__ = ["DEFECTS", "Defect", "DefectError", "DefectSwitch"]


@dataclass(frozen=True)
class Defect:
    name: str
    breaks: str
    caught_by: tuple[str, ...]


def _d(name: str, breaks: str, *caught_by: str) -> Defect:
    return Defect(name, breaks, tuple(caught_by))


_AUTH = "suites/test_auth.py::"
_MODELS = "suites/test_models.py::"
_ROUTING = "suites/test_routing.py::"
_CHAT = "suites/test_chat_basic.py::"
_STREAM = "suites/test_chat_stream.py::"
_TOOLS = "suites/test_chat_tools.py::"
_REASON = "suites/test_chat_reasoning.py::"
_VALID = "suites/test_chat_validation.py::"
_ERR = "suites/test_chat_errors.py::"
_MSG = "suites/test_messages.py::"
_MSTREAM = "suites/test_messages_stream.py::"
_MTOOLS = "suites/test_messages_tools.py::"
_CROSS = "suites/test_cross_format.py::"
_RESP = "suites/test_responses.py::"
_RSTREAM = "suites/test_responses_stream.py::"
_RTOOLS = "suites/test_responses_tools.py::"
_SDK = "suites/test_chat_sdk.py::"
_ASDK = "suites/test_sdk_anthropic.py::"
_RSDK = "suites/test_sdk_responses.py::"

DEFECTS: dict[str, Defect] = {
    d.name: d
    for d in (
        _d(
            "messages_auth_error_openai_envelope",
            "401 on /v1/messages is in the Anthropic envelope",
            _AUTH + "test_messages_auth_error_in_anthropic_envelope",
        ),
        _d(
            "bearer_ignored",
            "Authorization: Bearer authenticates",
            _AUTH + "test_bearer_key_authenticates",
        ),
        _d(
            "x_api_key_ignored",
            "the x-api-key header authenticates like a Bearer token",
            _AUTH + "test_x_api_key_header_authenticates",
        ),
        _d(
            "missing_key_reported_as_invalid",
            "no key at all is 401 missing_api_key, not invalid_api_key",
            _AUTH + "test_missing_key_is_401_missing_api_key",
        ),
        _d(
            "key_prefix_not_checked",
            "a key must carry the sk-empiriolabs- prefix",
            _AUTH + "test_key_with_wrong_prefix_is_rejected",
        ),
        _d(
            "conflicting_key_headers_accepted",
            "Authorization and x-api-key carrying different keys is a 401",
            _AUTH + "test_conflicting_key_headers_are_401",
        ),
        _d(
            "bearer_scheme_case_sensitive",
            "the Bearer auth scheme is case-insensitive (RFC 9110)",
            _AUTH + "test_bearer_scheme_is_case_insensitive",
        ),
        _d(
            "overlong_key_crashes",
            "a malformed key is a 401, never a 5xx",
            _AUTH + "test_malformed_keys_are_401[overlong]",
        ),
        _d(
            "revoked_key_accepted",
            "a revoked key is refused",
            _AUTH + "test_revoked_key_is_rejected",
        ),
        _d(
            "unknown_key_403",
            "an unknown key is 401 invalid_api_key",
            _AUTH + "test_unknown_key_is_401_invalid_api_key",
        ),
        _d(
            "only_first_key_of_account_works",
            "every live key of an account authenticates",
            _AUTH + "test_second_key_of_the_account_authenticates",
        ),
        _d(
            "models_listing_requires_credits",
            "listing the catalog is not billable: a zero-balance key may list models",
            _MODELS + "test_listing_models_needs_no_credits",
        ),
        _d(
            "available_filter_accepts_garbage",
            "a non-boolean ?available= is 400 invalid_request_error",
            _MODELS + "test_invalid_available_value_is_400",
        ),
        _d(
            "duplicate_model_ids",
            "model ids in the list are unique",
            _MODELS + "test_list_models_conforms",
        ),
        _d(
            "available_flag_inconsistent",
            "available is true exactly when api_status is platform or both",
            _MODELS + "test_list_models_conforms",
        ),
        _d(
            "colon_ids_not_routed",
            "variant ids with ':' resolve on GET /v1/models/{id}, raw or percent-encoded",
            _MODELS + "test_model_ids_with_a_colon_resolve",
        ),
        _d(
            "unknown_model_200",
            "retrieving an unknown model is 404 model_not_found",
            _MODELS + "test_unknown_model_is_404_model_not_found",
        ),
        _d(
            "model_pricing_missing",
            "every model in the list carries pricing_rows",
            _MODELS + "test_list_models_conforms",
        ),
        _d(
            "list_object_missing",
            "the model list has object: list",
            _MODELS + "test_list_models_conforms",
        ),
        _d(
            "available_filter_ignored",
            "?available=true lists only available models",
            _MODELS + "test_available_filter_lists_only_available_models",
        ),
        _d(
            "model_detail_drops_parameters",
            "GET /v1/models/{id} is the same object as the list entry",
            _MODELS + "test_retrieve_matches_list_entry",
        ),
        _d(
            "unknown_path_plain_404",
            "an unknown path is a 404 in the error envelope",
            _ROUTING + "test_unknown_path_is_404_in_envelope",
        ),
        _d(
            "request_id_reused",
            "x-request-id, when sent, identifies one request",
            _ROUTING + "test_request_ids_are_unique_when_sent",
        ),
        _d(
            "wrong_method_plain_405",
            "a wrong method is a 405 in the error envelope",
            _ROUTING + "test_wrong_method_is_405_in_envelope",
            _ROUTING + "test_wrong_method_on_messages_is_405_in_anthropic_envelope",
        ),
        _d("chat_done_missing", "a chat stream ends with data: [DONE]", _STREAM + "test_stream_ends_with_done"),
        _d("chat_role_repeated", "only the first delta carries role", _STREAM + "test_role_only_in_first_delta"),
        _d("chat_tool_call_id_dropped", "the first fragment of a streamed tool call carries its id",
           _TOOLS + "test_streamed_tool_call_fragments"),
        _d("chat_usage_chunk_early", "the include_usage chunk is the last before [DONE]",
           _STREAM + "test_usage_chunk_last_before_done"),
        _d("chat_stream_buffered", "streams are relayed chunk by chunk, not buffered",
           _STREAM + "test_stream_is_not_buffered"),
        _d("chat_upstream_host_leak", "upstream errors never show the provider's host, key or request id",
           _ERR + "test_upstream_errors_do_not_leak"),
        _d("chat_messages_null_500", "messages: null is a 4xx, never a 5xx",
           _VALID + "test_malformed_requests_are_4xx[messages-null]"),
        _d("chat_finish_reason_twice", "exactly one chunk carries finish_reason",
           _STREAM + "test_exactly_one_finish_reason"),
        _d("chat_length_reported_as_stop", "hitting max tokens is finish_reason length",
           _CHAT + "test_max_tokens_gives_length"),
        _d("chat_unknown_model_400", "an unknown model is 404 model_not_found", _VALID + "test_unknown_model_is_404"),
        _d("chat_reasoning_content_accepted", "reasoning_content sent back in messages is a 400",
           _REASON + "test_reasoning_content_sent_back_is_400"),
        _d("chat_raw_flag_ignored", "disable_formatting and its aliases return the content unformatted",
           _REASON + "test_disable_formatting_returns_raw_content"),
        _d("chat_stream_error_without_done", "a failure after the stream started is an error chunk, then [DONE]",
           _ERR + "test_midstream_failure_is_error_chunk_then_done"),
        _d("chat_invalid_tool_choice_ignored", "tool_choice naming an undefined function (or without tools) is a 400",
           _TOOLS + "test_invalid_tool_requests_are_400"),
        _d("chat_parallel_calls_merged", "parallel tool calls stay distinct calls", _TOOLS + "test_parallel_tool_calls"),
        _d("chat_cost_missing", "usage carries the cost in USD", _CHAT + "test_usage_and_cost"),
        _d("chat_id_unstable", "id and created are the same on every chunk", _STREAM + "test_id_and_created_stable"),
        _d("chat_empty_deltas", "no chunk has an empty delta and no finish_reason", _STREAM + "test_no_empty_deltas"),
        _d("chat_zero_credit_allowed", "an account without credits gets 402 insufficient_credits",
           _ERR + "test_insufficient_credits_is_402"),
        _d("chat_rate_limit_ignored", "over the account's request limit is 429 with retry-after",
           _ERR + "test_rate_limit_is_429"),
        _d("chat_upstream_5xx_as_400", "an upstream 5xx is 502 upstream_error, not a client error",
           _ERR + "test_upstream_5xx_is_502"),
        _d("chat_internal_error_plain", "a gateway bug is 500 in the error envelope",
           _ERR + "test_internal_error_is_500_in_envelope"),
        _d("chat_stream_options_accepted_without_stream", "stream_options without stream is a 400",
           _STREAM + "test_stream_options_without_stream_is_400"),
        _d("chat_param_range_unchecked", "a parameter outside the catalog's range is a 400 naming it",
           _VALID + "test_parameter_out_of_catalog_range_is_400"),
        _d("chat_tool_args_truncated", "tool-call arguments are complete JSON", _TOOLS + "test_tool_arguments_validate"),
        _d("chat_exclude_ignored", "reasoning.exclude / include_reasoning false hide the reasoning",
           _REASON + "test_reasoning_exclude"),
        _d("chat_body_limit_off", "a body over the size limit is 413", _VALID + "test_body_over_size_limit_is_413"),
        _d("chat_stream_drops_first_text", "joined stream deltas equal the non-stream content",
           _STREAM + "test_stream_matches_non_stream"),
        _d("chat_tool_results_dropped", "role: tool messages reach the model (tool round trip)",
           _TOOLS + "test_tool_round_trip"),
        _d("chat_content_type_unchecked", "a body declared as text/plain is a 400 invalid_content_type",
           _VALID + "test_malformed_requests_are_4xx[content-type-text-plain]"),
        _d("chat_missing_reported_invalid", "a missing required field is 400 missing_parameter naming it",
           _VALID + "test_malformed_requests_are_4xx[messages-missing]"),
        _d("thinking_history_rejected", "an assistant turn sent back with the Thinking block is accepted",
           _REASON + "test_thinking_block_in_history_is_accepted"),
        _d("upstream_auth_error_passed_through", "an upstream 401/402/403 is 502 upstream_error, not the provider's status",
           _ERR + "test_upstream_status_mapping"),
        _d("anthropic_version_required", "/v1/messages works with or without anthropic-version",
           _MSG + "test_anthropic_version_header_accepted"),
        _d("text_parts_glued", "several text blocks of one turn reach the model separated",
           _MSG + "test_string_and_block_content"),
        _d("max_tokens_alias_ignored", "max_tokens alone limits the answer like max_completion_tokens",
           _CHAT + "test_max_tokens_alias"),
        _d("wrong_endpoint_accepted", "a model that does not serve the endpoint is a 400",
           _VALID + "test_model_on_wrong_endpoint_is_400"),
        _d("enum_unchecked", "a value outside a parameter's catalog enum is a 400 naming it",
           _VALID + "test_enum_parameter_outside_enum_is_400"),
        _d("previous_response_id_accepted", "previous_response_id is a 400 (the API is stateless)",
           _RESP + "test_previous_response_id_is_400"),
        _d("reasoning_controls_ignored", "reasoning_effort / enable_thinking / thinking_budget change the reasoning",
           _REASON + "test_reasoning_controls_change_output"),
        _d("empty_tool_arguments_rejected", "tool calls with arguments \"\" or {} are accepted in history",
           _TOOLS + "test_empty_and_object_arguments_accepted"),
        _d("chat_completion_object_wrong", "a chat completion has object: chat.completion",
           _CHAT + "test_completion_per_provider", _CHAT + "test_valid_request_after_error",
           _SDK + "test_sdk_create", _SDK + "test_sdk_raw_response_headers", _SDK + "test_sdk_tool_round_trip"),
        _d("chat_chunk_object_wrong", "every stream chunk has object: chat.completion.chunk",
           _STREAM + "test_stream_per_provider", _STREAM + "test_stream_length_finish", _SDK + "test_sdk_stream",
           _SDK + "test_sdk_async_create_and_stream"),
        _d("msg_type_wrong", "a Messages response has type: message",
           _MSG + "test_message_per_provider", _MSG + "test_max_tokens_reached", _MTOOLS + "test_tool_use",
           _MTOOLS + "test_tool_result_round_trip", _MTOOLS + "test_tool_result_is_error",
           _ASDK + "test_sdk_messages_create", _ASDK + "test_sdk_tool_use"),
        _d("msg_text_delta_type_wrong", "streamed text arrives as text_delta",
           _MSTREAM + "test_stream_per_provider", _MSTREAM + "test_stream_matches_non_stream",
           _ASDK + "test_sdk_messages_stream"),
        _d("resp_object_wrong", "a Responses response has object: response",
           _RESP + "test_response_per_provider", _RESP + "test_input_items_and_instructions",
           _RTOOLS + "test_function_calls", _RSDK + "test_sdk_responses_create", _RSDK + "test_sdk_responses_function_call"),
        _d("resp_delta_item_id_missing", "output_text.delta events carry item_id",
           _RSTREAM + "test_stream_per_provider", _RSDK + "test_sdk_responses_stream"),
        _d("error_type_missing", "an OpenAI error envelope carries error.type",
           _RESP + "test_errors_in_openai_envelope", _RESP + "test_malformed_requests_are_4xx",
           _SDK + "test_sdk_error_classes"),
        _d("msg_error_type_wrong", "a /v1/messages error carries the Anthropic type for its status",
           _MSG + "test_malformed_requests_are_4xx", _MTOOLS + "test_invalid_tool_requests_are_400",
           _ASDK + "test_sdk_error_classes"),
        _d("reasoning_dropped", "a reasoner's chain of thought reaches the client",
           _REASON + "test_reasoning_content_reported", _REASON + "test_thinking_block_formatting"),
        _d("reasoning_tokens_missing", "usage reports reasoning tokens for a reasoner",
           _REASON + "test_reasoning_tokens_in_usage"),
        _d("upstream_unavailable_as_502", "an upstream 503/429 is 503 model_unavailable",
           _ERR + "test_upstream_unavailable_is_503"),
        _d("malformed_upstream_passed", "an unreadable upstream answer is 502, not a broken 200",
           _ERR + "test_malformed_upstream_is_502"),
        _d("chat_stop_ignored", "stop sequences end the answer", _CHAT + "test_stop_sequence"),
        _d("tool_choice_dropped", "tool_choice reaches the model", _TOOLS + "test_tool_choice_modes"),
        _d("unknown_path_needs_key", "an unknown path is 404 for anyone, before authentication",
           _ROUTING + "test_unknown_path_is_404_without_a_key_too"),
        _d("models_available_garbage_500", "no query value makes GET /v1/models a 5xx",
           "suites/test_schemathesis.py::test_fuzz"),
        _d("msg_stop_missing", "an Anthropic stream ends with message_stop", _MSTREAM + "test_stream_event_order"),
        _d("msg_block_stop_index_mismatch", "content_block_stop carries its block's index",
           _MSTREAM + "test_blocks_open_and_close_in_order"),
        _d("msg_error_openai_envelope", "every /v1/messages error is in the Anthropic envelope",
           _MSG + "test_errors_in_anthropic_envelope"),
        _d("msg_tool_result_mixed_rejected", "a user turn mixing tool_result and text blocks is accepted",
           _MTOOLS + "test_tool_result_mixed_with_text"),
        _d("msg_start_zero_input", "message_start reports input_tokens > 0", _MSTREAM + "test_message_start_rules"),
        _d("msg_delta_no_stop_reason", "message_delta carries the stop_reason", _MSTREAM + "test_message_delta_rules"),
        _d("msg_stream_error_not_event", "a failure after an Anthropic stream started is one event: error",
           _MSTREAM + "test_midstream_failure_is_error_event"),
        _d("msg_max_tokens_not_required", "max_tokens is required on /v1/messages", _MSG + "test_max_tokens_required"),
        _d("msg_parallel_tool_use_merged", "parallel tool calls stay separate tool_use blocks",
           _MTOOLS + "test_parallel_tool_use"),
        _d("msg_thinking_dropped", "reasoning reaches /v1/messages clients as thinking blocks",
           _MSG + "test_reasoning_as_thinking_blocks"),
        _d("msg_stop_sequence_ignored", "stop_sequences stop the answer (stop_reason stop_sequence)",
           _MSG + "test_stop_sequences"),
        _d("msg_text_differs_across_formats", "the same prompt gives the same text in every format",
           _CROSS + "test_same_prompt_same_text_across_formats"),
        _d("resp_sequence_repeats", "sequence_number strictly increases", _RSTREAM + "test_sequence_numbers_increase"),
        _d("resp_completed_missing", "a Responses stream ends with response.completed", _RSTREAM + "test_event_sequence"),
        _d("resp_function_call_output_ignored", "function_call_output items reach the model",
           _RTOOLS + "test_function_call_output_round_trip"),
        _d("resp_incomplete_reported_completed", "hitting max_output_tokens is status incomplete",
           _RESP + "test_max_output_tokens_incomplete"),
        _d("resp_parallel_calls_merged", "parallel tool calls stay separate function_call items",
           _RTOOLS + "test_parallel_function_calls"),
        _d("resp_reasoning_item_missing", "reasoning reaches Responses clients as a reasoning item",
           _RESP + "test_reasoning_item"),
        _d("resp_failed_missing", "a failure after a Responses stream started ends with response.failed",
           _RSTREAM + "test_midstream_failure_is_response_failed"),
        _d("resp_text_done_mismatch", "output_text.done carries the full text of the deltas",
           _RSTREAM + "test_done_events_carry_full_text"),
    )
}


class DefectError(ValueError):
    """A defect was asked for outside test mode, or does not exist."""


class DefectSwitch:
    """The set of defects switched on in one gateway process."""

    def __init__(self, *, test_mode: bool) -> None:
        self.test_mode = test_mode
        self._active: frozenset[str] = frozenset()
        self._source: Callable[[], frozenset[str]] = lambda: self._active

    def follow(self, source: Callable[[], frozenset[str]]) -> None:
        """Transitional: take the active set from ``gateway.testing`` (until this module goes)."""
        self._source = source

    def on(self, name: str) -> bool:
        return name in self._source()

    @property
    def active(self) -> frozenset[str]:
        return self._source()

    def set(self, names: Iterable[str]) -> None:
        wanted = frozenset(names)
        if wanted and not self.test_mode:
            raise DefectError("defects can only be switched on in test mode")
        unknown = sorted(wanted - DEFECTS.keys())
        if unknown:
            raise DefectError(f"unknown defects: {', '.join(unknown)}")
        self._active = wanted
