"""Transitional: the Redis limiter's scripts behind the synchronous request-only interface that
``gateway/middleware/gate.py`` and ``limits.py`` still call (``admit(account_id, rpm) -> Verdict``).

Each call is one ``EVALSHA`` on a loopback connection, made synchronously (a fraction of a millisecond on
the event loop); it goes once admission awaits :class:`gateway.limits.redis.RedisLimiter` instead.
"""

from __future__ import annotations

import math
import uuid

from redis import Redis

from gateway.errors import RateLimited
from gateway.limits.base import Budget, Refused
from gateway.limits.redis import ADMIT, PREFIX, TIMEOUT, budget_args, decide, keys_of
from gateway.middleware.limits import WINDOW, Verdict

__all__ = ["RedisRequestLimiter"]


class RedisRequestLimiter:
    """A :class:`gateway.middleware.limits.Limiter` counting requests in Redis, shared by every instance."""

    def __init__(self, url: str, *, prefix: str = PREFIX) -> None:
        self._client: Redis = Redis.from_url(url, socket_timeout=TIMEOUT, socket_connect_timeout=TIMEOUT)
        self._prefix = prefix
        self._admit = self._client.register_script(ADMIT)

    def _run(self, account_id: str, rpm: int, record: bool) -> Verdict:
        budget, ticket = Budget(rpm, 0, WINDOW), uuid.uuid4().hex
        reply = self._admit(keys=keys_of(account_id, self._prefix),
                            args=[*budget_args(budget), 0, ticket, 1 if record else 0])
        try:
            usage = decide(account_id, ticket, budget, 0, reply).usage
        except Refused as refused:
            verdict = Verdict(rpm, 0, refused.retry_after)
            raise RateLimited(
                f"Rate limit of {rpm} requests per minute exceeded. Retry with backoff.",
                headers={**verdict.headers(), "retry-after": str(max(1, math.ceil(refused.retry_after)))},
            ) from None
        return Verdict(rpm, usage.requests_remaining, usage.requests_reset)

    def admit(self, account_id: str, rpm: int) -> Verdict:
        return self._run(account_id, rpm, record=True)

    def check(self, account_id: str, rpm: int) -> None:
        self._run(account_id, rpm, record=False)

    def close(self) -> None:
        self._client.close()
