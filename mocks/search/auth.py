"""The search family's key checks: a header that must hold a non-empty key, or ``Authorization: Bearer``."""

from __future__ import annotations

from collections.abc import Callable

from starlette.requests import Request

from mocks.provider import ApiError

__all__ = ["bearer", "key_header"]


def key_header(name: str) -> Callable[[Request], ApiError | None]:
    """A check that ``name`` carries a key (Exa ``x-api-key``, GPTZero ``x-api-key``, Manus ``API_KEY``)."""

    def check(request: Request) -> ApiError | None:
        if not request.headers.get(name, "").strip():
            return ApiError(401, f"{name} header is required.")
        return None

    return check


def bearer(request: Request) -> ApiError | None:
    scheme, _, key = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not key.strip():
        return ApiError(401, "Missing or invalid Authorization: Bearer header.")
    return None
