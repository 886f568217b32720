"""Rate limits: sliding-window budgets of requests and tokens per account (D-3, D-4).

:func:`build_limiter` picks the limiter of a deployment: shared in Redis when ``[limits] redis_url`` is set
(every instance pointing at it enforces one budget, D-151), else this process's own.
"""

from __future__ import annotations

import inspect

from gateway.config import Settings
from gateway.limits import base
from gateway.middleware.limits import Limiter, RateLimiter

__all__ = ["build_limiter", "close_limiter", "shared_limiter"]


def shared_limiter(settings: Settings) -> base.Limiter | None:
    """The :class:`gateway.limits.base.Limiter` in Redis that ``[limits] redis_url`` names, else ``None``
    (the embedded default applies)."""
    if not settings.redis_url:
        return None
    from gateway.limits.redis import RedisLimiter

    return RedisLimiter.from_url(settings.redis_url)


def build_limiter(settings: Settings) -> Limiter:
    """The limiter ``settings`` ask for.

    Admission still calls the synchronous request-only interface, so a Redis URL gets
    :class:`gateway.limits.redis_bridge.RedisRequestLimiter`; once admission awaits
    :class:`gateway.limits.base.Limiter` this becomes ``shared_limiter(settings) or`` the embedded default."""
    if settings.redis_url:
        from gateway.limits.redis_bridge import RedisRequestLimiter

        return RedisRequestLimiter(settings.redis_url)
    return RateLimiter()


async def close_limiter(limiter: object) -> None:
    """Release the limiter's connections, if it holds any."""
    close = getattr(limiter, "close", None)
    if close is not None:
        result = close()
        if inspect.isawaitable(result):
            await result
