"""The suite checks that catch each defect of jobs (``gateway/testing/jobs.py``)."""

from __future__ import annotations

_SUITE = "suites/test_jobs.py::"

CAUGHT_BY: dict[str, tuple[str, ...]] = {
    "images_async_ignored": (f"{_SUITE}test_async_image_is_polled_to_completion",),
    "jobs_foreign_visible": (f"{_SUITE}test_unknown_and_foreign_jobs_are_404",),
    "job_retention_not_enforced": (f"{_SUITE}test_a_job_is_kept_for_the_hour_then_404",),
    "job_retention_short": (f"{_SUITE}test_a_job_is_kept_for_the_hour_then_404",),
    "job_ids_sequential": (f"{_SUITE}test_job_ids_are_unguessable",),
    "job_poll_counted": (f"{_SUITE}test_polling_is_outside_the_generation_budget",),
    "job_failure_unshaped": (f"{_SUITE}test_a_failed_job_carries_its_error",),
}
