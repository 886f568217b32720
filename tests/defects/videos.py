"""The suite checks that catch each defect of ``/v1/videos/generations`` (``gateway/testing/videos.py``)."""

from __future__ import annotations

_SUITE = "suites/test_videos.py::"

CAUGHT_BY: dict[str, tuple[str, ...]] = {
    "videos_model_unchecked": (f"{_SUITE}test_unknown_model_is_404", f"{_SUITE}test_model_not_serving_videos_is_400"),
    "videos_values_unchecked": (f"{_SUITE}test_invalid_values_are_400_naming_them",),
    "videos_not_admitted": (f"{_SUITE}test_insufficient_credits_is_402",),
    "videos_price_ignores_options": (f"{_SUITE}test_cost_is_the_selected_price_row",),
    "videos_raw_ignored": (f"{_SUITE}test_disable_formatting_adds_raw[disable_formatting]",
                           f"{_SUITE}test_disable_formatting_adds_raw[raw]"),
    "videos_mime_type_wrong": (f"{_SUITE}test_video_job_is_polled_to_its_mp4",),
    "videos_malformed_completed": (f"{_SUITE}test_upstream_job_failure_fails_the_job[malformed]",),
}
