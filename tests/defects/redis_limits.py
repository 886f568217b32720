"""The checks that catch each defect of the shared limiter (``gateway/testing/redis_limits.py``).

No suite drives two instances yet: the catching check is a project test that launches two reference
gateways on one SQLite store and one Redis with the defect on (a node id under ``tests/``, which
``tests/test_defects.py`` leaves to that test rather than running it against its single deployment)."""

from __future__ import annotations

CAUGHT_BY: dict[str, tuple[str, ...]] = {
    "limiter_per_process": (
        "tests/gateway/test_redis_instances.py::test_a_per_process_limiter_is_caught",
    ),
}
