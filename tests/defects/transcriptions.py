"""The suite checks that catch each defect of ``/v1/audio/transcriptions`` (``gateway/testing/transcriptions.py``)."""

from __future__ import annotations

_SUITE = "suites/test_transcriptions.py::"

CAUGHT_BY: dict[str, tuple[str, ...]] = {
    "transcriptions_model_unchecked": (f"{_SUITE}test_unknown_model_is_404",
                                       f"{_SUITE}test_model_not_serving_transcriptions_is_400"),
    "transcriptions_values_unchecked": (f"{_SUITE}test_invalid_values_are_400_naming_them",),
    "transcriptions_not_admitted": (f"{_SUITE}test_insufficient_credits_is_402",),
    "transcriptions_billed_per_second": (f"{_SUITE}test_cost_is_the_per_minute_rate",),
    "transcriptions_raw_ignored": (f"{_SUITE}test_disable_formatting_adds_raw[disable_formatting]",
                                   f"{_SUITE}test_disable_formatting_adds_raw[raw_response]"),
    "transcriptions_duration_in_minutes": (f"{_SUITE}test_multipart_file_is_transcribed_by_a_job",),
    "transcriptions_json_body_limit": (f"{_SUITE}test_a_file_under_the_cap_is_accepted",),
    "transcriptions_upload_unread": (f"{_SUITE}test_an_uploaded_file_is_transcribed",),
}
