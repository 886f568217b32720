"""The ``x-empirio-test`` request header hook (:func:`maybe_fail`), honoured only in test mode."""

from __future__ import annotations

from starlette.requests import Request

from gateway.state import state_of

__all__ = ["maybe_fail"]

TEST_HEADER = "x-empirio-test"


def maybe_fail(request: Request) -> None:
    """In test mode, ``x-empirio-test: internal-error`` makes the route crash, so suites can see how the
    gateway answers its own bugs (500 in the envelope). Ignored outside test mode."""
    if request.headers.get(TEST_HEADER) == "internal-error" and state_of(request.scope).settings.test_mode:
        raise RuntimeError("test hook: internal error requested")
