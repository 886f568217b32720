"""Prepaid credits: a zero balance is a 402 before any upstream call (:func:`check_credits`); the cost a
route records with :func:`charge` is debited when the response's last body message goes out, so
streams are settled too — including ones cut short."""

from __future__ import annotations

from decimal import Decimal

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gateway.errors import InsufficientCredits
from gateway.state import state_of
from gateway.store import usd_to_nano

__all__ = ["CreditsMiddleware", "charge", "check_credits"]


def charge(scope: Scope, usd: Decimal) -> None:
    """Record what this request costs; settled by :class:`CreditsMiddleware`."""
    scope.setdefault("state", {})["cost_usd"] = usd


def check_credits(scope: Scope) -> None:
    state = state_of(scope)
    account = state.store.get_account(scope["state"]["auth"].account_id)
    if account is None or account.balance_nano <= 0:
        raise InsufficientCredits("The account has insufficient credits. Top up on the Billing page.")


class CreditsMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def settling_send(message: Message) -> None:
            if message["type"] == "http.response.body" and not message.get("more_body"):
                cost = scope.get("state", {}).pop("cost_usd", None)
                auth = scope.get("state", {}).get("auth")
                if cost and auth is not None:
                    state_of(scope).store.debit(auth.account_id, usd_to_nano(cost))
            await send(message)

        await self.app(scope, receive, settling_send)
