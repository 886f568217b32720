"""The account store behind a small per-process cache of what every request reads (D-207): key records by
digest, and accounts for their limits (:meth:`CachedStore.limits_of`; ``get_account`` itself, which callers
read balances from, is never cached). An entry lives at most ``ttl`` seconds; a revocation or a limit change
made through this process drops it at once, so a key revoked here is refused from the next
request on. Changes made elsewhere (the admin CLI, another instance) apply within ``ttl``. Keys not found are
never cached: a key made by the CLI works at once. ``ttl`` 0 turns the cache off.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from gateway.store import Account, AccountStore, ApiKey

__all__ = ["CachedStore"]

V = TypeVar("V")

MAX_ENTRIES = 100_000
"""Entries per cache beyond which it is emptied (a flood of distinct keys never grows the process)."""


class CachedStore:
    """``store`` with :meth:`find_key` and :meth:`limits_of` cached; every other call passes through."""

    def __init__(self, store: AccountStore, ttl: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.store = store
        self._ttl, self._clock = ttl, clock
        self._keys: dict[str, tuple[float, ApiKey]] = {}
        self._accounts: dict[str, tuple[float, Account]] = {}

    def __getattr__(self, name: str) -> Any:
        return getattr(self.store, name)

    async def find_key(self, digest: str) -> ApiKey | None:
        return await self._cached(self._keys, digest, self.store.find_key)

    async def limits_of(self, account_id: str) -> Account | None:
        """The account, for its rate limits (its balance may be ``ttl`` old: read balances with ``get_account``)."""
        return await self._cached(self._accounts, account_id, self.store.get_account)

    async def _cached(self, cache: dict[str, tuple[float, V]], name: str,
                      read: Callable[[str], Awaitable[V | None]]) -> V | None:
        now = self._clock()
        entry = cache.get(name)
        if entry is not None and entry[0] > now:
            return entry[1]
        value = await read(name)
        if value is not None and self._ttl > 0:
            if len(cache) >= MAX_ENTRIES:
                cache.clear()
            cache[name] = (now + self._ttl, value)
        return value

    async def revoke_key(self, key_id: str) -> ApiKey:
        try:
            record = await self.store.revoke_key(key_id)
        finally:
            self._keys.clear()
        return record

    async def set_limits(self, account_id: str, *, rpm: int | None = None, tpm: int | None = None,
                         window: float | None = None) -> Account:
        try:
            return await self.store.set_limits(account_id, rpm=rpm, tpm=tpm, window=window)
        finally:
            self._accounts.pop(account_id, None)

