"""The suite checks that catch each defect of a gateway acting as a transparent proxy
(``gateway/testing/proxying.py``): upstream headers and base URL shown, the upstream in a chat stream's
error, owed rejections sent on to the upstream."""

from __future__ import annotations

_ALL = "suites/test_all_formats.py::"

CAUGHT_BY: dict[str, tuple[str, ...]] = {
    "upstream_headers_forwarded": (
        _ALL + "test_no_upstream_leak_in_answers[chat-non-stream]",
        _ALL + "test_no_upstream_leak_in_answers[messages-stream]",
        _ALL + "test_no_upstream_leak_in_answers[responses-non-stream]",
    ),
    "upstream_base_url_header": (
        "suites/test_chat_basic.py::test_completion_per_provider",
        "suites/test_all_formats.py::test_no_upstream_leak_in_answers[messages-non-stream]",
        "suites/test_all_formats.py::test_no_upstream_leak_in_answers[responses-stream]",
    ),
    "chat_stream_error_leaks_upstream": (
        _ALL + "test_no_upstream_leak_in_upstream_errors[chat-midstream-5]",
        "suites/test_chat_errors.py::test_midstream_failure_is_error_chunk_then_done[midstream]",
    ),
    "rejections_forwarded": (
        "suites/test_chat_validation.py::test_unknown_model_is_404",
        "suites/test_messages.py::test_max_tokens_required[non-stream]",
        "suites/test_responses_state.py::test_unknown_ids[non-stream]",
    ),
}
