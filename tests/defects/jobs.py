"""The suite checks that catch each defect of jobs (``gateway/testing/jobs.py``)."""

from __future__ import annotations

_SUITE = "suites/test_jobs.py::"

CAUGHT_BY: dict[str, tuple[str, ...]] = {
    "images_async_ignored": (f"{_SUITE}test_async_image_is_polled_to_completion",),
    "jobs_foreign_visible": (f"{_SUITE}test_unknown_and_foreign_jobs_are_404",),
}
