"""The suite checks that catch each defect of the Responses codec (``gateway/testing/codecs_responses.py``)."""

from __future__ import annotations

_RESP = "suites/test_responses.py::"
_RSTREAM = "suites/test_responses_stream.py::"
_RTOOLS = "suites/test_responses_tools.py::"
_RSDK = "suites/test_sdk_responses.py::"

CAUGHT_BY: dict[str, tuple[str, ...]] = {
    # request decoding
    "resp_function_call_output_ignored": (
        "suites/test_all_formats.py::test_tool_round_trip[responses-non-stream]", "suites/test_all_formats.py::test_tool_round_trip[responses-stream]",
        "suites/test_frameworks.py::test_langchain_responses_tool_loop",
    ),
    # the Response object
    "resp_incomplete_reported_completed": (_RESP + "test_max_output_tokens_incomplete",),
    "resp_reasoning_item_missing": (
        _RESP + "test_reasoning_item",
        "suites/test_sdk_responses.py::test_sdk_reasoning_summary[non-stream]",
        "suites/test_all_formats.py::test_extended_thinker_reasons_from_portable_effort[responses-stream]",
    ),
    "resp_parallel_calls_merged": ("suites/test_all_formats.py::test_parallel_tool_calls_stay_separate[responses-non-stream]", "suites/test_all_formats.py::test_parallel_tool_calls_stay_separate[responses-stream]"),
    "resp_object_wrong": (
        _RESP + "test_response_per_provider", _RESP + "test_input_items_and_instructions",
        _RTOOLS + "test_function_calls", _RSDK + "test_sdk_responses_create", _RSDK + "test_sdk_responses_function_call",
        "suites/test_frameworks.py::test_langchain_responses[invoke]",
    ),
    "resp_fields_missing": (
        _RESP + "test_response_object_complete[settings-non-stream]", _RESP + "test_response_object_complete[defaults-stream]",
        _RSDK + "test_sdk_response_fields[non-stream]", _RSDK + "test_sdk_response_fields[stream]",
        "suites/test_frameworks.py::test_langchain_responses[stream]",
    ),
    "resp_reasoning_items_dropped": (
        "suites/test_reasoning_round_trips.py::test_reasoning_items_reach_a_thinking_upstream[non-stream]",
        "suites/test_reasoning_round_trips.py::test_reasoning_items_reach_a_thinking_upstream[stream]",
    ),
    "resp_sealed_signature_ignored": (
        "suites/test_reasoning_round_trips.py::test_claude_signature_round_trips_in_encrypted_content[non-stream]",
        "suites/test_reasoning_round_trips.py::test_claude_signature_round_trips_in_encrypted_content[stream]",
    ),
    "resp_encrypted_content_missing": (
        "suites/test_reasoning_round_trips.py::test_claude_signature_round_trips_in_encrypted_content[non-stream]",
        "suites/test_reasoning_round_trips.py::test_claude_signature_round_trips_in_encrypted_content[stream]",
    ),
    "resp_done_item_unsealed": (
        "suites/test_reasoning_round_trips.py::test_claude_signature_round_trips_in_encrypted_content[stream]",
    ),
    "resp_echo_not_what_was_used": (
        "suites/test_defaults.py::test_default_params_reach_the_upstream[non-stream-responses]",
        "suites/test_defaults.py::test_default_params_reach_the_upstream[stream-responses]",
    ),
    "resp_temperature_null": (
        _RESP + "test_response_object_complete[defaults-non-stream]", _RESP + "test_response_object_complete[settings-stream]",
        _RSDK + "test_sdk_response_fields[non-stream]",
    ),
    "resp_store_echoed_false": (_RESP + "test_response_object_complete[settings-non-stream]",
                                _RESP + "test_response_object_complete[defaults-stream]",
                                "suites/test_responses_state.py::test_retrieve_equals_create[non-stream]"),
    "resp_settings_not_echoed": (
        _RESP + "test_response_object_complete[settings-non-stream]", _RESP + "test_response_object_complete[settings-stream]",
        _RSDK + "test_sdk_response_fields[stream]",
    ),
    "resp_stream_settings_differ": (
        _RESP + "test_response_object_complete[defaults-stream]",
        "suites/test_sdk_responses.py::test_sdk_response_fields[stream]",
    ),
    "resp_summary_missing": (_RESP + "test_reasoning_summary_when_requested", _RSDK + "test_sdk_reasoning_summary[non-stream]",
                             _RSDK + "test_sdk_reasoning_summary[stream]"),
    "resp_summary_truncated": (_RESP + "test_reasoning_summary_when_requested",),
    "resp_summary_events_out_of_order": (_RESP + "test_reasoning_summary_when_requested",),
    "resp_call_id_equals_item_id": (
        _RTOOLS + "test_call_ids_and_returned_items_round_trip[non-stream]",
        _RTOOLS + "test_call_ids_and_returned_items_round_trip[stream]",
        _RSDK + "test_sdk_returned_items_round_trip[non-stream]", _RSDK + "test_sdk_returned_items_round_trip[stream]",
    ),
    "resp_returned_items_refused": (
        _RTOOLS + "test_call_ids_and_returned_items_round_trip[non-stream]",
        _RTOOLS + "test_call_ids_and_returned_items_round_trip[stream]",
        _RSDK + "test_sdk_returned_items_round_trip[non-stream]",
        "suites/test_frameworks.py::test_langchain_responses_tool_loop",
    ),
    "resp_tool_choice_auto_without_tools_400": (
        _RTOOLS + "test_tool_choice_without_tools[auto-non-stream]", _RTOOLS + "test_tool_choice_without_tools[auto-stream]",
        _RTOOLS + "test_tool_choice_without_tools[none-non-stream]", _RTOOLS + "test_tool_choice_without_tools[none-stream]",
        "suites/test_all_formats.py::test_tool_choice_auto_and_none_need_no_tools[responses-non-stream]",
        "suites/test_all_formats.py::test_tool_choice_auto_and_none_need_no_tools[responses-stream]",
    ),
    # stream events
    "resp_sequence_repeats": (
        _RSTREAM + "test_sequence_numbers_increase",
        "suites/test_all_formats.py::test_usage_adds_up[responses-stream]",
        "suites/test_all_formats.py::test_tool_calls_are_valid[responses-stream]",
    ),
    "resp_text_done_mismatch": (
        _RSTREAM + "test_done_events_carry_full_text",
        "suites/test_all_formats.py::test_usage_adds_up[responses-stream]",
    ),
    "resp_delta_item_id_missing": (
        _RSTREAM + "test_stream_per_provider", _RSDK + "test_sdk_responses_stream",
        "suites/test_frameworks.py::test_langchain_responses[stream]",
    ),
    "resp_completed_missing": (
        _RSTREAM + "test_event_sequence",
        "suites/test_sdk_responses.py::test_sdk_responses_stream[plain]",
        "suites/test_all_formats.py::test_usage_adds_up[responses-stream]",
        "suites/test_all_formats.py::test_tool_calls_are_valid[responses-stream]",
    ),
    "resp_failed_missing": (_RSTREAM + "test_midstream_failure_is_response_failed",),
}
