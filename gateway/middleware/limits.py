"""Rate-limit headers, token reconciliation and the auxiliary budget around the app (D-3, D-4, D-136,
D-139 – D-142).

A counted request is admitted by its route (:func:`gateway.middleware.gate.admit`) once decoded; this
middleware adds the admission's ``x-ratelimit-*`` headers (and ``anthropic-ratelimit-*`` on
``/v1/messages``) to the response head, streams included, and reconciles the reserved tokens with what the
route reported through :func:`spent` (nothing reported: nothing used) just before the last body message, or
once the app returned without sending one. An authenticated auxiliary request (catalog reads, job polls,
uploads, stored-Responses reads) is admitted to the account's auxiliary budget before its route runs and
released when answered with a 4xx.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gateway.errors import RateLimited
from gateway.limits.base import AUXILIARY_SUFFIX, Admission, Budget, Refused, Usage
from gateway.middleware.auxiliary import auxiliary, auxiliary_rpm
from gateway.middleware.errors import send_error
from gateway.state import state_of
from gateway.store import Account

__all__ = ["ADMISSION", "LimitsMiddleware", "budget_of", "duration", "headers", "refusal", "spent"]

ADMISSION = "rate_admission"
"""Where the route's :class:`~gateway.limits.base.Admission` is kept in ``scope["state"]``."""
_SPENT = "rate_spent_tokens"
_RECONCILED = "rate_reconciled"
MESSAGES_PATH = "/v1/messages"


def spent(scope: Scope, tokens: int) -> None:
    """Record the tokens this request actually used (input + output), reconciled when the response ends."""
    scope.setdefault("state", {})[_SPENT] = max(0, tokens)


def duration(seconds: float) -> str:
    """A Go-style duration of ``seconds`` rounded up to the millisecond (D-140): ``12ms``, ``3s``, ``1m0.5s``."""
    ms = max(0, math.ceil(seconds * 1000 - 1e-6))
    if ms < 1000:
        return f"{ms}ms"
    minutes, rest = divmod(ms, 60_000)
    secs = f"{rest // 1000}" if rest % 1000 == 0 else f"{rest / 1000:.3f}".rstrip("0")
    return f"{minutes}m{secs}s" if minutes else f"{secs}s"


def _rfc3339(seconds: float) -> str:
    at = datetime.now(UTC) + timedelta(milliseconds=math.ceil(seconds * 1000))
    return at.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def headers(usage: Usage, path: str) -> dict[str, str]:
    """The rate-limit headers describing ``usage``; the Anthropic set too on ``/v1/messages`` (D-4)."""
    budget = usage.budget
    out = {
        "x-ratelimit-limit-requests": str(budget.requests),
        "x-ratelimit-remaining-requests": str(usage.requests_remaining),
        "x-ratelimit-reset-requests": duration(usage.requests_reset),
        "x-ratelimit-limit-tokens": str(budget.tokens),
        "x-ratelimit-remaining-tokens": str(usage.tokens_remaining),
        "x-ratelimit-reset-tokens": duration(usage.tokens_reset),
    }
    if path == MESSAGES_PATH:
        out |= {
            "anthropic-ratelimit-requests-limit": str(budget.requests),
            "anthropic-ratelimit-requests-remaining": str(usage.requests_remaining),
            "anthropic-ratelimit-requests-reset": _rfc3339(usage.requests_reset),
            "anthropic-ratelimit-tokens-limit": str(budget.tokens),
            "anthropic-ratelimit-tokens-remaining": str(usage.tokens_remaining),
            "anthropic-ratelimit-tokens-reset": _rfc3339(usage.tokens_reset),
        }
    return out


def refusal(refused: Refused, path: str) -> RateLimited:
    """The 429 of a refusal: the usage headers, ``retry-after`` (whole seconds, rounded up) and
    ``retry-after-ms`` (D-141)."""
    budget, wait = refused.usage.budget, max(refused.retry_after, 0.001)
    if refused.dimension == "tokens":
        message = f"Rate limit of {budget.tokens} tokens per {budget.window:g} s exceeded. Retry with backoff."
    else:
        message = f"Rate limit of {budget.requests} requests per {budget.window:g} s exceeded. Retry with backoff."
    return RateLimited(message, headers={
        **headers(refused.usage, path),
        "retry-after": str(math.ceil(wait - 1e-9)),
        "retry-after-ms": str(math.ceil(wait * 1000 - 1e-6)),
    })


def budget_of(account: Account) -> Budget:
    """The account's generation budget."""
    return Budget(account.rpm, account.tpm, account.window)


class LimitsMiddleware:
    """Adds an admission's headers to the response head and reconciles its tokens when the response ended;
    holds an authenticated auxiliary request to the account's auxiliary budget."""

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
            admission = scope.get("state", {}).get(ADMISSION)
            if message["type"] == "http.response.start" and admission is not None:
                extra = [(k.encode(), v.encode()) for k, v in headers(admission.usage, scope["path"]).items()]
                message = {**message, "headers": [*message.get("headers", []), *extra]}
            elif message["type"] == "http.response.body" and not message.get("more_body"):
                await self._reconcile(scope)  # before the last byte: the client's next request sees it
            await send(message)

        try:
            await self.app(scope, receive, send_with_headers)
        finally:
            await self._reconcile(scope)

    @staticmethod
    async def _reconcile(scope: Scope) -> None:
        state = scope.get("state", {})
        admission: Admission | None = state.get(ADMISSION)
        if admission is None or not admission.reserved or state.get(_RECONCILED):
            return
        state[_RECONCILED] = True
        used = state.pop(_SPENT, 0)
        if used != admission.reserved:
            await state_of(scope).limiter.reconcile(admission, used)

    async def _auxiliary(self, account_id: str, scope: Scope, receive: Receive, send: Send) -> None:
        state = state_of(scope)
        account = await state.accounts.limits_of(account_id)
        if account is None:
            await self.app(scope, receive, send)
            return
        budget = Budget(auxiliary_rpm(account.rpm), 0, account.window)
        try:
            admission = await state.limiter.admit(account.id + AUXILIARY_SUFFIX, budget)
        except Refused as refused:
            await send_error(refusal(refused, scope["path"]), scope, receive, send)
            return
        status = 0

        async def watching_send(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, watching_send)
        finally:
            if 400 <= status < 500:
                await state.limiter.release(admission)

