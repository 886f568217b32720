"""The suite checks that catch each defect of the Messages codec (``gateway/testing/codecs_messages.py``)."""

from __future__ import annotations

_MSG = "suites/test_messages.py::"
_MSTREAM = "suites/test_messages_stream.py::"
_MTOOLS = "suites/test_messages_tools.py::"
_CROSS = "suites/test_cross_format.py::"
_ASDK = "suites/test_sdk_anthropic.py::"

CAUGHT_BY: dict[str, tuple[str, ...]] = {
    "msg_claude_signature_replaced": (
        "suites/test_reasoning_round_trips.py::test_claude_thinking_blocks_reach_the_upstream_signed[non-stream]",
        "suites/test_reasoning_round_trips.py::test_claude_thinking_blocks_reach_the_upstream_signed[stream]",
    ),
    # request decoding
    "msg_max_tokens_not_required": (_MSG + "test_max_tokens_required",),
    "text_parts_glued": (_MSG + "test_string_and_block_content",),
    "msg_tool_result_mixed_rejected": (_MTOOLS + "test_tool_result_mixed_with_text",),
    "msg_stop_sequence_ignored": (_MSG + "test_stop_sequences",),
    "msg_thinking_history_rejected": (_MTOOLS + "test_thinking_turn_sent_back[non-stream]",
                                      _MTOOLS + "test_thinking_turn_sent_back[stream]"),
    # the message object
    "msg_thinking_dropped": (
        _MSG + "test_reasoning_as_thinking_blocks",
        "suites/test_messages_tools.py::test_thinking_turn_sent_back[stream]",
        "suites/test_all_formats.py::test_reasoning_switched_off_shows_none[messages-non-stream]",
        "suites/test_frameworks.py::test_langchain_anthropic_thinking",
    ),
    "msg_text_differs_across_formats": (_CROSS + "test_same_prompt_same_text_across_formats",),
    "msg_parallel_tool_use_merged": ("suites/test_all_formats.py::test_parallel_tool_calls_stay_separate[messages-non-stream]", "suites/test_all_formats.py::test_parallel_tool_calls_stay_separate[messages-stream]"),
    "msg_type_wrong": (
        _MSG + "test_message_per_provider", _MSG + "test_max_tokens_reached", _MTOOLS + "test_tool_use",
        _MTOOLS + "test_tool_result_round_trip", _MTOOLS + "test_tool_result_is_error",
        _ASDK + "test_sdk_messages_create", _ASDK + "test_sdk_tool_use",
        "suites/test_frameworks.py::test_langchain_chat_anthropic[invoke]",
        "suites/test_frameworks.py::test_langchain_anthropic_tool_loop",
    ),
    # stream events
    "msg_start_zero_input": (
        _MSTREAM + "test_message_start_rules",
        "suites/test_all_formats.py::test_tool_calls_are_valid[messages-stream]",
    ),
    "msg_block_stop_index_mismatch": (
        _MSTREAM + "test_blocks_open_and_close_in_order",
        "suites/test_all_formats.py::test_tool_calls_are_valid[messages-stream]",
    ),
    "msg_text_delta_type_wrong": (
        _MSTREAM + "test_stream_per_provider", _MSTREAM + "test_stream_matches_non_stream",
        _ASDK + "test_sdk_messages_stream",
        "suites/test_frameworks.py::test_langchain_chat_anthropic[stream]",
    ),
    "msg_delta_no_stop_reason": (
        _MSTREAM + "test_message_delta_rules",
        "suites/test_sdk_anthropic.py::test_sdk_messages_stream[plain]",
        "suites/test_all_formats.py::test_tool_calls_are_valid[messages-stream]",
    ),
    "msg_stop_missing": (
        _MSTREAM + "test_stream_event_order",
        "suites/test_all_formats.py::test_tool_calls_are_valid[messages-stream]",
    ),
    "msg_stream_error_not_event": (
        _MSTREAM + "test_midstream_failure_is_error_event",
        "suites/test_all_formats.py::test_no_upstream_leak_in_upstream_errors[messages-midstream-5]",
    ),
    "msg_tool_choice_auto_without_tools_400": ("suites/test_all_formats.py::test_tool_choice_auto_and_none_need_no_tools[messages-non-stream]", "suites/test_all_formats.py::test_tool_choice_auto_and_none_need_no_tools[messages-stream]"),
}
