"""Prepaid credits: before any upstream call :func:`check_credits` holds the request's estimated maximum cost
(the route's :func:`estimate`, D-180), or answers 402 insufficient_credits when the balance minus the account's
holds cannot cover it (or is zero). The cost a route records with :func:`charge` is settled in two phases around
the response's last body message (D-77): journalled as a pending charge (the hold becomes it, at the actual
amount) just before that write, debited once, keyed by the request id, right after it returns — so a crash in
between never bills an undelivered answer. A response that never sends its last message (a stream the client
cut) is settled from what the route recorded, after the app returns (D-75). A hold nothing was charged against
is released when the response is done (D-180), unless a job took it over (:func:`take_hold`, D-186)."""

from __future__ import annotations

from decimal import Decimal

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gateway.errors import InsufficientCredits
from gateway.ids import random_hex
from gateway.state import state_of
from gateway.store import nano_to_usd, usd_to_nano
from gateway.usage import note_cost

__all__ = ["CreditsMiddleware", "charge", "check_credits", "estimate", "release_hold", "take_charge", "take_hold"]

_COST = "cost_usd"
_ESTIMATED = "cost_estimated"
_ESTIMATE = "cost_estimate_usd"
_HOLD = "credit_hold"


def estimate(scope: Scope, usd: Decimal | None) -> None:
    """Record the request's estimated maximum cost, for :func:`check_credits` to hold (``None``: not known
    before the upstream call, D-185 — held as zero: admitted while anything is available)."""
    scope.setdefault("state", {})[_ESTIMATE] = usd


def request_id_of(scope: Scope) -> str:
    """The request's id (set by the request-id middleware; one is made when it is absent)."""
    state = scope.setdefault("state", {})
    if not state.get("request_id"):
        state["request_id"] = f"req_{random_hex(12)}"
    return str(state["request_id"])


def take_hold(scope: Scope) -> str | None:
    """The request's held reservation (its request id), removed from the scope: the caller (a job, D-186) now
    settles or releases it; ``None`` when nothing is held."""
    held = scope.get("state", {}).pop(_HOLD, None)
    return str(held) if held else None


async def release_hold(scope: Scope) -> None:
    """Release the request's hold, if it still has one (nothing is charged against it)."""
    held = take_hold(scope)
    if held is not None:
        await state_of(scope).store.release(held)


def charge(scope: Scope, usd: Decimal, *, estimated: bool = False) -> None:
    """Record what this request costs (``estimated``: from what was delivered, D-75); settled by
    :class:`CreditsMiddleware`."""
    state = scope.setdefault("state", {})
    state[_COST], state[_ESTIMATED] = usd, estimated
    note_cost(scope, usd)  # the usage log's copy (D-203)


def take_charge(scope: Scope) -> tuple[Decimal, bool] | None:
    """The cost recorded by :func:`charge` and whether it is an estimate, removing it; ``None`` if none."""
    state = scope.get("state", {})
    cost, estimated = state.pop(_COST, None), state.pop(_ESTIMATED, False)
    return None if cost is None else (cost, bool(estimated))


async def check_credits(scope: Scope) -> None:
    """Hold the request's :func:`estimate` (D-180); 402 insufficient_credits when it cannot be covered."""
    state = state_of(scope)
    usd = scope.get("state", {}).get(_ESTIMATE)
    request_id, amount = request_id_of(scope), usd_to_nano(usd) if usd else 0
    scope["state"][_HOLD] = request_id  # before the call: a reservation whose caller was cancelled is released too
    if not await state.store.reserve(request_id, scope["state"]["auth"].account_id, max(amount, 0)):
        scope["state"].pop(_HOLD, None)
        if amount > 0:
            raise InsufficientCredits(
                f"The account's available credits do not cover this request's estimated maximum cost "
                f"(${nano_to_usd(amount):f}). Top up on the Billing page, or lower max_tokens.")
        raise InsufficientCredits("The account has insufficient credits. Top up on the Billing page.")


class CreditsMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        streamed = False

        async def settling_send(message: Message) -> None:
            nonlocal streamed
            if message["type"] != "http.response.body" or message.get("more_body"):
                streamed = streamed or bool(message.get("body"))
                await send(message)
                return
            await self.deliver_last(scope, message, send, streamed=streamed)

        try:
            await self.app(scope, receive, settling_send)
        finally:
            try:
                await self.settle_cut(scope, streamed=streamed)
            finally:
                await release_hold(scope)  # nothing was charged against it (a failure, a void): freed (D-180)

    def recorded(self, scope: Scope) -> tuple[str, str, int] | None:
        """(request id, account id, nano-USD) of the cost the route recorded, taking it; ``None`` when
        there is nothing to charge."""
        state = scope.get("state", {})
        taken, auth = take_charge(scope), state.get("auth")
        if not taken or not taken[0] or auth is None:
            return None
        return request_id_of(scope), auth.account_id, usd_to_nano(taken[0])

    async def deliver_last(self, scope: Scope, message: Message, send: Send, *, streamed: bool) -> None:
        """Journal the charge, write the last message, then debit. A write that fails leaves a non-stream
        answer undelivered (voided); a stream's content went out before it (debited)."""
        charge_ = self.recorded(scope)
        store = state_of(scope).store
        if charge_ is not None:
            await self.journal(scope, charge_)
        try:
            await send(message)
        except BaseException:
            if charge_ is not None:
                await (store.settle if streamed else store.void)(charge_[0])
            raise
        if charge_ is not None:
            await store.settle(charge_[0])

    async def settle_cut(self, scope: Scope, *, streamed: bool) -> None:
        """After the app returned (or failed): a cost still recorded never reached a last message. When part
        of the body was written (the client cut the stream) what the route metered was delivered and is
        debited now; when nothing was (a failure before the answer), nothing is."""
        charge_ = self.recorded(scope)
        if charge_ is not None and streamed:
            await self.journal(scope, charge_)
            await state_of(scope).store.settle(charge_[0])

    @staticmethod
    async def journal(scope: Scope, charge_: tuple[str, str, int]) -> None:
        """Journal the pending charge (the reservation becomes it); a journalling the caller was cancelled
        during, or that failed, leaves nothing open."""
        store = state_of(scope).store
        try:
            await store.hold(*charge_)
        except BaseException:
            await store.void(charge_[0])
            raise
        finally:
            take_hold(scope)  # the reservation became the pending charge (or was voided): nothing left to release
