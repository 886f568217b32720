"""The suite checks that catch each defect of the upstream side: error translation and the
OpenAI-compatible adapters (``gateway/testing/upstreams.py``)."""

from __future__ import annotations

_CHAT_BASIC = "suites/test_chat_basic.py::"
_CHAT_ERRORS = "suites/test_chat_errors.py::"
_CHAT_REASONING = "suites/test_chat_reasoning.py::"
_CHAT_TOOLS = "suites/test_chat_tools.py::"

_DEFAULTS = "suites/test_defaults.py::"

CAUGHT_BY: dict[str, tuple[str, ...]] = {
    "signed_thinking_not_forwarded": (
        "suites/test_reasoning_round_trips.py::test_claude_thinking_blocks_reach_the_upstream_signed[non-stream]",
        "suites/test_reasoning_round_trips.py::test_claude_thinking_blocks_reach_the_upstream_signed[stream]",
        "suites/test_sdk_anthropic.py::test_sdk_thinking_tool_loop[non-stream]",
        "suites/test_messages_tools.py::test_thinking_turn_sent_back[non-stream]",
    ),
    "unsigned_tool_turn_keeps_thinking": (
        "suites/test_chat_sdk.py::test_sdk_claude_thinking_tool_loop",
        "suites/test_reasoning_round_trips.py::test_claude_tool_loop_with_thinking_over_responses[non-stream]",
        "suites/test_reasoning_round_trips.py::test_claude_tool_loop_with_thinking_over_responses[stream]",
    ),
    "claude_reasoning_tokens_zero": (
        "suites/test_chat_sdk.py::test_sdk_claude_thinking_tool_loop",
        "suites/test_all_formats.py::test_extended_thinker_reasons_from_portable_effort[chat-stream]",
        "suites/test_all_formats.py::test_extended_thinker_reasons_from_portable_effort[responses-non-stream]",
    ),
    "default_params_not_sent": (
        _DEFAULTS + "test_default_params_reach_the_upstream[non-stream-chat]",
        _DEFAULTS + "test_default_params_reach_the_upstream[stream-messages]",
        _DEFAULTS + "test_default_params_reach_the_upstream[non-stream-responses]",
        _DEFAULTS + "test_default_reasoning_is_on[chat]",
        _DEFAULTS + "test_default_reasoning_is_on[messages]",
        _DEFAULTS + "test_default_reasoning_is_on[responses]",
    ),
    "chat_upstream_host_leak": ("suites/test_all_formats.py::test_no_upstream_leak_in_upstream_errors[chat-status-500]", "suites/test_all_formats.py::test_no_upstream_leak_in_upstream_errors[chat-status-400]", "suites/test_all_formats.py::test_no_upstream_leak_in_upstream_errors[messages-status-500]", "suites/test_all_formats.py::test_no_upstream_leak_in_upstream_errors[messages-status-400]", "suites/test_all_formats.py::test_no_upstream_leak_in_upstream_errors[responses-status-500]", "suites/test_all_formats.py::test_no_upstream_leak_in_upstream_errors[responses-status-400]"),
    "upstream_auth_error_passed_through": (
        _CHAT_ERRORS + "test_upstream_status_mapping",
        "suites/test_all_formats.py::test_no_upstream_leak_in_upstream_errors[messages-status-401]",
        "suites/test_all_formats.py::test_no_upstream_leak_in_upstream_errors[responses-status-401]",
    ),
    "chat_upstream_5xx_as_400": (
        _CHAT_ERRORS + "test_upstream_5xx_is_502",
        "suites/test_messages.py::test_errors_in_anthropic_envelope[502-upstream-error]",
        "suites/test_responses.py::test_errors_in_openai_envelope[502-upstream-error]",
    ),
    "upstream_unavailable_as_502": (
        _CHAT_ERRORS + "test_upstream_unavailable_is_503",
        "suites/test_messages.py::test_errors_in_anthropic_envelope[503-upstream-overloaded]",
        "suites/test_responses.py::test_errors_in_openai_envelope[503-upstream-overloaded]",
    ),
    "upstream_timeout_as_503": (
        "suites/test_all_formats.py::test_upstream_timeout_is_502[chat]",
        "suites/test_all_formats.py::test_upstream_timeout_is_502[messages]",
        "suites/test_all_formats.py::test_upstream_timeout_is_502[responses]",
        "suites/test_embeddings.py::test_hung_upstream_is_502",
    ),
    "malformed_upstream_passed": (
        _CHAT_ERRORS + "test_malformed_upstream_is_502",
        "suites/test_all_formats.py::test_no_upstream_leak_in_upstream_errors[messages-malformed-1]",
        "suites/test_all_formats.py::test_no_upstream_leak_in_upstream_errors[responses-malformed-1]",
    ),
    "tool_choice_dropped": (_CHAT_TOOLS + "test_tool_choice_modes",),
    "reasoning_controls_ignored": (_CHAT_REASONING + "test_reasoning_controls_change_output", "suites/test_all_formats.py::test_reasoning_switched_off_shows_none[chat-non-stream]"),
    "chat_stop_ignored": (
        _CHAT_BASIC + "test_stop_sequence",
        "suites/test_messages.py::test_stop_sequences",
    ),
    "reasoning_forced_on": (
        "suites/test_all_formats.py::test_plain_model_shows_no_reasoning[chat-non-stream]",
        "suites/test_all_formats.py::test_plain_model_shows_no_reasoning[messages-non-stream]",
        "suites/test_all_formats.py::test_plain_model_shows_no_reasoning[responses-stream]",
    ),
    "reasoning_passed_to_refusing_upstream": (
        _CHAT_REASONING + "test_reasoning_content_sent_back_is_accepted[plain]",
        _CHAT_REASONING + "test_reasoning_content_sent_back_is_accepted[reasoner]",
        "suites/test_messages_tools.py::test_thinking_turn_sent_back[non-stream]",
    ),
    "tool_turn_reasoning_dropped": (
        "suites/test_chat_sdk.py::test_sdk_reasoning_tool_loop",
        _CHAT_REASONING + "test_reasoning_tool_loop_step_two[non-stream]",
        _CHAT_REASONING + "test_reasoning_tool_loop_step_two[stream]",
        "suites/test_messages_tools.py::test_thinking_turn_sent_back[stream]",
    ),
    "claude_effort_ignored": (
        "suites/test_all_formats.py::test_extended_thinker_reasons_from_portable_effort[chat-non-stream]",
        "suites/test_all_formats.py::test_extended_thinker_reasons_from_portable_effort[responses-stream]",
        "suites/test_chat_sdk.py::test_sdk_claude_thinking",
    ),
    "reasoning_dropped": (
        _CHAT_REASONING + "test_reasoning_content_reported",
        _CHAT_REASONING + "test_thinking_block_formatting",
    ),
}
