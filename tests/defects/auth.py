"""The suite checks that catch each defect of authentication (``gateway/testing/auth.py``)."""

from __future__ import annotations

_AUTH = "suites/test_auth.py::"
_ROUTING = "suites/test_routing.py::"

CAUGHT_BY: dict[str, tuple[str, ...]] = {
    "messages_auth_error_openai_envelope": (_AUTH + "test_messages_auth_error_in_anthropic_envelope", "suites/test_all_formats.py::test_missing_key_is_401_in_the_format_envelope[messages-non-stream]"),
    "bearer_ignored": (
        _AUTH + "test_bearer_key_authenticates",
        "suites/test_chat_sdk.py::test_sdk_create",
        "suites/test_sdk_responses.py::test_sdk_responses_create",
        "suites/test_frameworks.py::test_langchain_chat_openai[invoke]",
    ),
    "x_api_key_ignored": (_AUTH + "test_x_api_key_header_authenticates",),
    "missing_key_reported_as_invalid": (_AUTH + "test_missing_key_is_401_missing_api_key", "suites/test_all_formats.py::test_missing_key_is_401_in_the_format_envelope[chat-non-stream]", "suites/test_all_formats.py::test_missing_key_is_401_in_the_format_envelope[responses-non-stream]"),
    "key_prefix_not_checked": (_AUTH + "test_key_with_wrong_prefix_is_rejected",),
    "conflicting_key_headers_accepted": (_AUTH + "test_conflicting_key_headers_are_401",),
    "bearer_scheme_case_sensitive": (_AUTH + "test_bearer_scheme_is_case_insensitive",),
    "overlong_key_crashes": (_AUTH + "test_malformed_keys_are_401[overlong]",),
    "revoked_key_accepted": (_AUTH + "test_revoked_key_is_rejected",),
    "unknown_key_403": (
        _AUTH + "test_unknown_key_is_401_invalid_api_key",
        "suites/test_messages.py::test_errors_in_anthropic_envelope[401-unknown-key]",
        "suites/test_responses.py::test_errors_in_openai_envelope[401-unknown-key]",
    ),
    "only_first_key_of_account_works": (_AUTH + "test_second_key_of_the_account_authenticates",),
    "unknown_path_needs_key": (_ROUTING + "test_unknown_path_is_404_without_a_key_too",),
}
