"""Defects of balances and holds (D-180..D-186), as a wrapper of the account store (``state.store``: what the credit
gate reserves, what the credits middleware journals, settles and releases).

With the defect on:

``balance_checked_not_held``        admission only checks the balance is above zero and holds nothing
``reserve_check_then_hold``         the hold is checked, then taken in a second step (a race: concurrent
                                    requests all pass the check before any hold lands)
``estimate_not_held``               the hold is taken at zero, not at the estimate
``hold_never_released``             a settled or failed call's hold stays held
``failed_upstream_charged_in_full`` a call that records no charge (an upstream failure) is debited its hold
``settled_at_the_estimate``         a call is debited the estimate it held, not what it cost
"""

from __future__ import annotations

import asyncio
from typing import Any, cast

from gateway.state import GatewayState
from gateway.store import AccountStore
from gateway.testing.registry import ActiveDefects, defect

__all__ = ["install"]

NOT_HELD = defect("balance_checked_not_held",
                  "admission holds the estimated maximum cost; concurrent calls never overdraw the balance (D-180)")
CHECK_THEN_HOLD = defect("reserve_check_then_hold",
                         "the check that a hold is covered and the hold are one atomic step (D-180)")
ESTIMATE_NOT_HELD = defect("estimate_not_held",
                           "a request whose estimated maximum the available balance cannot cover is 402 (D-180)")
NEVER_RELEASED = defect("hold_never_released", "a hold is released once its call is settled or failed (D-180)")
FAILED_CHARGED = defect("failed_upstream_charged_in_full", "a call the upstream failed is not charged (D-180)")
AT_ESTIMATE = defect("settled_at_the_estimate", "a call is debited the cost it reported, not its estimate (D-180)")

_RACE_SECONDS = 0.5
"""The gap between the check and the hold under ``reserve_check_then_hold``."""


class _Holds:
    """The account store with the balance defects applied."""

    def __init__(self, store: AccountStore, active: ActiveDefects) -> None:
        self._store, self._active = store, active
        self._reserved: dict[str, tuple[str, int]] = {}  # request id → (account, estimate)
        self._racy: set[str] = set()  # request ids whose hold was taken under another id

    def __getattr__(self, name: str) -> Any:
        return getattr(self._store, name)

    async def reserve(self, request_id: str, account_id: str, amount_nano: int) -> bool:
        self._reserved[request_id] = (account_id, amount_nano)
        if self._active.on(NOT_HELD.name):
            account = await self._store.get_account(account_id)
            return account is not None and account.balance_nano > 0
        if self._active.on(CHECK_THEN_HOLD.name):
            account = await self._store.get_account(account_id)
            available = (account.balance_nano if account else 0) - await self._store.held(account_id)
            if available <= 0 or available < amount_nano:
                return False
            await asyncio.sleep(_RACE_SECONDS)  # another request checks the same available balance meanwhile
            await self._store.hold(f"{request_id}~racy", account_id, amount_nano)
            self._racy.add(request_id)
            return True
        if self._active.on(ESTIMATE_NOT_HELD.name):
            amount_nano = 0
        return bool(await self._store.reserve(request_id, account_id, amount_nano))

    async def hold(self, request_id: str, account_id: str, amount_nano: int) -> None:
        if request_id in self._racy:
            await self._store.void(f"{request_id}~racy")
        if self._active.on(AT_ESTIMATE.name) and request_id in self._reserved:
            amount_nano = max(amount_nano, self._reserved[request_id][1])
        await self._store.hold(request_id, account_id, amount_nano)

    async def settle(self, request_id: str) -> bool:
        settled = bool(await self._store.settle(request_id))
        self._racy.discard(request_id)
        reserved = self._reserved.pop(request_id, None)
        if settled and reserved is not None and self._active.on(NEVER_RELEASED.name):
            await self._store.hold(f"{request_id}~stuck", reserved[0], reserved[1])  # the hold left behind
        return settled

    async def release(self, request_id: str) -> bool:
        reserved = self._reserved.pop(request_id, None)
        if request_id in self._racy:
            self._racy.discard(request_id)
            return bool(await self._store.void(f"{request_id}~racy"))
        if self._active.on(NEVER_RELEASED.name):
            return False
        if self._active.on(FAILED_CHARGED.name) and reserved is not None and reserved[1] > 0:
            await self._store.hold(request_id, reserved[0], reserved[1])  # the estimate charged as if delivered
            return bool(await self._store.settle(request_id))
        return bool(await self._store.release(request_id))


def install(state: GatewayState, active: ActiveDefects) -> None:
    state.store = cast(AccountStore, _Holds(state.store, active))
