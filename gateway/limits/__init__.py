"""Rate limits: sliding-window budgets of requests and tokens per account (D-3, D-4).

:func:`build_limiter` picks the limiter of a deployment: shared in Redis when ``[limits] redis_url`` is set
(every instance pointing at it enforces one budget, D-151), else this process's own
(:class:`gateway.limits.memory.MemoryLimiter`).
"""

from __future__ import annotations

from gateway.config import Settings
from gateway.limits.base import Limiter

__all__ = ["build_limiter", "shared_limiter"]


def shared_limiter(settings: Settings) -> Limiter | None:
    """The limiter in Redis that ``[limits] redis_url`` names, else ``None`` (the embedded default applies)."""
    if not settings.redis_url:
        return None
    from gateway.limits.redis import RedisLimiter

    return RedisLimiter.from_url(settings.redis_url)


def build_limiter(settings: Settings) -> Limiter:
    """The limiter ``settings`` ask for: the shared one, else this process's own."""
    from gateway.limits.memory import MemoryLimiter

    return shared_limiter(settings) or MemoryLimiter()
