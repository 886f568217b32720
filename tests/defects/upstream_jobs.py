"""The suite checks that catch each defect of jobs backed by upstream jobs (``gateway/testing/upstream_jobs.py``)."""

from __future__ import annotations

_VIDEOS = "suites/test_videos.py::"
_TRANSCRIPTIONS = "suites/test_transcriptions.py::"
_FAILURE = "test_upstream_job_failure_fails_the_job"
_RESTART = "test_running_job_survives_a_restart"

CAUGHT_BY: dict[str, tuple[str, ...]] = {
    "jobs_stuck_after_upstream_failure": (f"{_VIDEOS}{_FAILURE}[fail]", f"{_VIDEOS}{_FAILURE}[refused]",
                                          f"{_VIDEOS}{_FAILURE}[malformed]", f"{_TRANSCRIPTIONS}{_FAILURE}[fail]",
                                          f"{_TRANSCRIPTIONS}{_FAILURE}[malformed]"),
    "jobs_hang_never_times_out": (f"{_VIDEOS}{_FAILURE}[hang]", f"{_TRANSCRIPTIONS}{_FAILURE}[hang]"),
    "jobs_failed_charged": (f"{_VIDEOS}{_FAILURE}[fail]", f"{_TRANSCRIPTIONS}{_FAILURE}[fail]"),
    "jobs_not_resumed_after_restart": (f"{_VIDEOS}{_RESTART}", f"{_TRANSCRIPTIONS}{_RESTART}"),
    "jobs_stuck_after_restart": (f"{_VIDEOS}{_RESTART}", f"{_TRANSCRIPTIONS}{_RESTART}"),
}
