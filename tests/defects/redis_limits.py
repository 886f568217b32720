"""The suite checks that catch each defect of the shared limiter (``gateway/testing/redis_limits.py``).

Only a deployment of several instances shows them: ``tests/test_defects.py`` proves the defects in
:data:`INSTANCES` against two reference instances on one store and one Redis, with ``--instance-urls``."""

from __future__ import annotations

CAUGHT_BY: dict[str, tuple[str, ...]] = {
    "limiter_per_process": ("suites/test_rate_limit_instances.py::test_instances_share_one_limit",),
    "limiter_read_then_write": ("suites/test_rate_limit_instances.py::test_simultaneous_requests_across_instances",),
}

INSTANCES = frozenset(CAUGHT_BY)
"""The defects (and so their checks) that need two instances sharing one Redis."""
