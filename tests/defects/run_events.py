"""The suite checks that catch each defect of the run-events WebSocket (``gateway/testing/run_events.py``)."""

from __future__ import annotations

_SUITE = "suites/test_run_events.py::"
_FOLLOW = f"{_SUITE}test_a_run_is_followed_from_queued_to_one_terminal_event"
_FAILED = f"{_SUITE}test_a_failed_run_ends_with_run_failed"
_LATE = f"{_SUITE}test_a_late_subscriber_gets_the_terminal_event"
_NOT_FOUND = f"{_SUITE}test_unknown_and_foreign_runs_get_an_error"
_AUTH = f"{_SUITE}test_both_key_headers_and_the_browser_subprotocol_authenticate"
_REFUSED = f"{_SUITE}test_a_bad_or_missing_key_is_refused"

CAUGHT_BY: dict[str, tuple[str, ...]] = {
    "runs_completed_twice": (_FOLLOW,),
    "runs_completed_before_queued": (_FOLLOW,),
    "runs_missing_occurred_at": (_FOLLOW, _LATE),
    "runs_foreign_streamed": (_NOT_FOUND,),
    "runs_unknown_silent": (_NOT_FOUND,),
    "runs_late_subscriber_nothing": (_LATE,),
    "runs_failed_without_error": (_FAILED,),
    "runs_bad_key_silent": (_REFUSED,),
    "runs_browser_auth_ignored": (_AUTH,),
    "runs_key_echoed": (_AUTH,),
}
