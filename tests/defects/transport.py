"""The suite checks that catch each defect of the transport: the server's limits on clients and the
upstream client's time limits (``gateway/testing/transport.py``)."""

from __future__ import annotations

_HOSTILE = "suites/test_hostile_transport.py::"

CAUGHT_BY: dict[str, tuple[str, ...]] = {
    "header_limit_off": (
        _HOSTILE + "test_oversized_headers_are_refused",
    ),
    "header_timeout_off": (
        _HOSTILE + "test_slow_headers_are_cut",
    ),
    "body_timeout_off": (
        _HOSTILE + "test_slow_body_is_cut",
    ),
    "keep_alive_unbounded": (
        _HOSTILE + "test_idle_keep_alive_connection_is_closed",
    ),
    "malformed_http_plain": (
        _HOSTILE + "test_malformed_http_is_refused",
    ),
    "upstream_timeout_off": (
        _HOSTILE + "test_hung_upstream_is_answered_in_time",
    ),
}
