"""Per-account rate limits (default 50 requests per rolling minute), shared by all keys of an account.

:class:`RateLimiter` is process-local here; the multi-instance issue replaces it behind the same
interface. Counted requests get ``x-ratelimit-*-requests`` headers, a refused one a 429 with
``retry-after``. :class:`LimitsMiddleware` also holds the auxiliary operations (catalog reads, job polls,
uploads, stored-Responses reads) to the account's auxiliary budget (D-3, D-136): a request is refused 429
when the budget is spent, and counted once answered with anything but a 4xx.
"""

from __future__ import annotations

import math
import time
from collections import deque
from dataclasses import dataclass
from typing import Protocol

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gateway.errors import RateLimited
from gateway.middleware.auxiliary import AUXILIARY_SUFFIX, auxiliary, auxiliary_rpm
from gateway.middleware.errors import send_error
from gateway.state import state_of

__all__ = ["Limiter", "LimitsMiddleware", "RateLimiter", "Verdict"]

WINDOW = 60.0


@dataclass(frozen=True)
class Verdict:
    limit: int
    remaining: int
    reset_seconds: float

    def headers(self) -> dict[str, str]:
        return {
            "x-ratelimit-limit-requests": str(self.limit),
            "x-ratelimit-remaining-requests": str(self.remaining),
            "x-ratelimit-reset-requests": f"{max(1, math.ceil(self.reset_seconds))}s",
        }


class Limiter(Protocol):
    """Admits one request of an account allowed ``rpm`` requests per minute, or raises 429."""

    def admit(self, account_id: str, rpm: int) -> Verdict: ...

    def check(self, account_id: str, rpm: int) -> None:
        """Raise 429 when the account has no request left in the window, counting nothing."""


class RateLimiter:
    """A sliding log of request times per account (a :class:`Limiter`)."""

    def __init__(self) -> None:
        self._log: dict[str, deque[float]] = {}

    def _window(self, account_id: str, rpm: int, now: float) -> deque[float]:
        log = self._log.setdefault(account_id, deque())
        while log and log[0] <= now - WINDOW:
            log.popleft()
        if len(log) >= rpm:
            verdict = Verdict(rpm, 0, log[0] + WINDOW - now)
            raise RateLimited(
                f"Rate limit of {rpm} requests per minute exceeded. Retry with backoff.",
                headers={**verdict.headers(), "retry-after": str(max(1, math.ceil(verdict.reset_seconds)))},
            )
        return log

    def check(self, account_id: str, rpm: int) -> None:
        self._window(account_id, rpm, time.monotonic())

    def admit(self, account_id: str, rpm: int) -> Verdict:
        now = time.monotonic()
        log = self._window(account_id, rpm, now)
        log.append(now)
        return Verdict(rpm, rpm - len(log), log[0] + WINDOW - now)


class LimitsMiddleware:
    """Adds the verdict's headers to the response of a counted request; holds an authenticated auxiliary
    request to the account's auxiliary budget."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        auth = scope.get("state", {}).get("auth")
        if auth is not None and auxiliary(scope["method"], scope["path"]):
            await self._auxiliary(auth.account_id, scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            verdict = scope.get("state", {}).get("rate_verdict")
            if message["type"] == "http.response.start" and verdict is not None:
                extra = [(k.encode(), v.encode()) for k, v in verdict.headers().items()]
                message = {**message, "headers": [*message.get("headers", []), *extra]}
            await send(message)

        await self.app(scope, receive, send_with_headers)

    async def _auxiliary(self, account_id: str, scope: Scope, receive: Receive, send: Send) -> None:
        state = state_of(scope)
        account = state.store.get_account(account_id)
        if account is None:
            await self.app(scope, receive, send)
            return
        key, rpm = account.id + AUXILIARY_SUFFIX, auxiliary_rpm(account.rpm)
        try:
            state.limiter.check(key, rpm)
        except RateLimited as refused:
            await send_error(refused, scope, receive, send)
            return

        async def counting_send(message: Message) -> None:
            if message["type"] == "http.response.start" and not 400 <= message["status"] < 500:
                try:
                    state.limiter.admit(key, rpm)
                except RateLimited:
                    pass  # requests in flight together may overshoot by their number; the next is refused
            await send(message)

        await self.app(scope, receive, counting_send)
