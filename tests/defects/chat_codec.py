"""The suite checks that catch each defect of the chat codec and the generation runner
(``gateway/testing/codecs_chat.py``)."""

from __future__ import annotations

_CHAT = "suites/test_chat_basic.py::"
_STREAM = "suites/test_chat_stream.py::"
_TOOLS = "suites/test_chat_tools.py::"
_REASON = "suites/test_chat_reasoning.py::"
_VALID = "suites/test_chat_validation.py::"
_ERR = "suites/test_chat_errors.py::"
_SDK = "suites/test_chat_sdk.py::"
_MSG = "suites/test_messages.py::"

CAUGHT_BY: dict[str, tuple[str, ...]] = {
    # the generation runner and the catalog parameter checks, every format
    "chat_content_type_unchecked": (_VALID + "test_malformed_requests_are_4xx[content-type-text-plain]",),
    "anthropic_version_required": (_MSG + "test_anthropic_version_header_accepted",),
    "chat_stream_buffered": (_STREAM + "test_stream_is_not_buffered",),
    "chat_param_range_unchecked": (_VALID + "test_parameter_out_of_catalog_range_is_400",),
    "enum_unchecked": (_VALID + "test_enum_parameter_outside_enum_is_400",),
    # request decoding
    "chat_messages_null_500": (_VALID + "test_malformed_requests_are_4xx[messages-null]",),
    "chat_missing_reported_invalid": (_VALID + "test_malformed_requests_are_4xx[messages-missing]",),
    "wrong_endpoint_accepted": (_VALID + "test_model_on_wrong_endpoint_is_400",),
    "chat_unknown_model_400": (_VALID + "test_unknown_model_is_404", "suites/test_all_formats.py::test_unknown_model_is_404_in_the_format_envelope[chat-non-stream]"),
    "reasoning_history_rejected": (_REASON + "test_reasoning_content_sent_back_is_accepted[plain]",
                                   _REASON + "test_reasoning_tool_loop_step_two[non-stream]",
                                   _REASON + "test_reasoning_tool_loop_step_two[stream]"),
    "chat_invalid_tool_choice_ignored": (_TOOLS + "test_invalid_tool_requests_are_400",),
    "chat_stream_options_accepted_without_stream": (_STREAM + "test_stream_options_without_stream_is_400",),
    "empty_tool_arguments_rejected": (_TOOLS + "test_empty_and_object_arguments_accepted",),
    "thinking_history_rejected": (_REASON + "test_thinking_block_in_history_is_accepted",),
    "chat_tool_results_dropped": (
        "suites/test_all_formats.py::test_tool_round_trip[chat-non-stream]", "suites/test_all_formats.py::test_tool_round_trip[chat-stream]",
        "suites/test_frameworks.py::test_langchain_chat_tool_loop",
    ),
    "chat_exclude_ignored": (_REASON + "test_reasoning_exclude",),
    "chat_thinking_dropped": ("suites/test_all_formats.py::test_chat_thinking_is_honoured[non-stream]",
                              "suites/test_all_formats.py::test_chat_thinking_is_honoured[stream]"),
    "max_tokens_alias_ignored": (_CHAT + "test_max_tokens_alias",),
    "chat_raw_flag_ignored": (_REASON + "test_disable_formatting_returns_raw_content",),
    # response encoding
    "reasoning_tokens_missing": (_REASON + "test_reasoning_tokens_in_usage",),
    "chat_cost_missing": ("suites/test_all_formats.py::test_usage_adds_up[chat-non-stream]", "suites/test_all_formats.py::test_usage_adds_up[chat-stream]"),
    "chat_parallel_calls_merged": (_TOOLS + "test_parallel_tool_calls", "suites/test_all_formats.py::test_parallel_tool_calls_stay_separate[chat-non-stream]", "suites/test_all_formats.py::test_parallel_tool_calls_stay_separate[chat-stream]"),
    "chat_tool_args_truncated": ("suites/test_all_formats.py::test_tool_calls_are_valid[chat-non-stream]",),
    "chat_length_reported_as_stop": (_CHAT + "test_max_tokens_gives_length",),
    "chat_completion_object_wrong": (
        _CHAT + "test_completion_per_provider", _CHAT + "test_valid_request_after_error", _SDK + "test_sdk_create",
        _SDK + "test_sdk_raw_response_headers", _SDK + "test_sdk_tool_round_trip",
    ),
    # stream frames
    "chat_role_repeated": (
        _STREAM + "test_role_only_in_first_delta",
        "suites/test_all_formats.py::test_tool_calls_are_valid[chat-stream]",
    ),
    "chat_id_unstable": (
        _STREAM + "test_id_and_created_stable",
        "suites/test_chat_sdk.py::test_sdk_stream",
        "suites/test_all_formats.py::test_tool_calls_are_valid[chat-stream]",
    ),
    "chat_chunk_object_wrong": (
        _STREAM + "test_stream_per_provider", _STREAM + "test_stream_length_finish", _SDK + "test_sdk_stream",
        _SDK + "test_sdk_async_create_and_stream",
        "suites/test_frameworks.py::test_langchain_chat_openai[stream]",
    ),
    "chat_stream_drops_first_text": (_STREAM + "test_stream_matches_non_stream",),
    "chat_tool_call_id_dropped": (_TOOLS + "test_streamed_tool_call_fragments", "suites/test_all_formats.py::test_tool_calls_are_valid[chat-stream]"),
    "chat_finish_reason_twice": (
        _STREAM + "test_exactly_one_finish_reason",
        "suites/test_chat_sdk.py::test_sdk_stream",
        "suites/test_all_formats.py::test_tool_calls_are_valid[chat-stream]",
    ),
    "chat_empty_deltas": (
        _STREAM + "test_no_empty_deltas",
        "suites/test_all_formats.py::test_tool_calls_are_valid[chat-stream]",
    ),
    "chat_usage_chunk_early": (
        _STREAM + "test_usage_chunk_last_before_done",
        "suites/test_chat_sdk.py::test_sdk_stream",
        "suites/test_all_formats.py::test_tool_calls_are_valid[chat-stream]",
    ),
    "chat_done_missing": (
        _STREAM + "test_stream_ends_with_done",
        "suites/test_all_formats.py::test_tool_calls_are_valid[chat-stream]",
    ),
    "chat_stream_error_without_done": (_ERR + "test_midstream_failure_is_error_chunk_then_done",),
    "chat_tool_choice_auto_without_tools_400": ("suites/test_all_formats.py::test_tool_choice_auto_and_none_need_no_tools[chat-non-stream]", "suites/test_all_formats.py::test_tool_choice_auto_and_none_need_no_tools[chat-stream]"),
}
