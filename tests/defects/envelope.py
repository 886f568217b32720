"""The suite checks that catch each defect of error envelopes, request ids, the body limit and
routing errors (``gateway/testing/envelope.py``)."""

from __future__ import annotations

_CHAT_ERRORS = "suites/test_chat_errors.py::"
_CHAT_SDK = "suites/test_chat_sdk.py::"
_CHAT_VALIDATION = "suites/test_chat_validation.py::"
_MESSAGES = "suites/test_messages.py::"
_MESSAGES_TOOLS = "suites/test_messages_tools.py::"
_RESPONSES = "suites/test_responses.py::"
_ROUTING = "suites/test_routing.py::"
_SDK_ANTHROPIC = "suites/test_sdk_anthropic.py::"

CAUGHT_BY: dict[str, tuple[str, ...]] = {
    "msg_error_openai_envelope": (_MESSAGES + "test_errors_in_anthropic_envelope", "suites/test_all_formats.py::test_unknown_model_is_404_in_the_format_envelope[messages-non-stream]"),
    "error_type_missing": (
        _RESPONSES + "test_errors_in_openai_envelope",
        _RESPONSES + "test_malformed_requests_are_4xx",
        _CHAT_SDK + "test_sdk_error_classes",
    ),
    "msg_error_type_wrong": (
        _MESSAGES + "test_malformed_requests_are_4xx",
        _MESSAGES_TOOLS + "test_invalid_tool_requests_are_400",
        _SDK_ANTHROPIC + "test_sdk_error_classes",
    ),
    "unknown_path_plain_404": (_ROUTING + "test_unknown_path_is_404_in_envelope",),
    "wrong_method_plain_405": (
        _ROUTING + "test_wrong_method_is_405_in_envelope",
        _ROUTING + "test_wrong_method_on_messages_is_405_in_anthropic_envelope",
    ),
    "chat_internal_error_plain": (
        _CHAT_ERRORS + "test_internal_error_is_500_in_envelope",
        "suites/test_messages.py::test_errors_in_anthropic_envelope[500-internal-error]",
        "suites/test_responses.py::test_errors_in_openai_envelope[500-internal-error]",
    ),
    "request_id_reused": (_ROUTING + "test_request_ids_are_unique_when_sent",),
    "chat_body_limit_off": (
        _CHAT_VALIDATION + "test_body_over_size_limit_is_413",
        "suites/test_messages.py::test_errors_in_anthropic_envelope[413-body-too-large]",
        "suites/test_responses.py::test_errors_in_openai_envelope[413-body-too-large]",
    ),
}
