"""Defects of accounts, keys and the usage log (D-200 – D-204), as wrappers of the key store
(``state.store``: ``find_key``, ``add_key``) and of the usage log (``state.usage_log``: what is queued, what a
page reads)."""

from __future__ import annotations

import dataclasses
from typing import Any, cast

from gateway.state import GatewayState
from gateway.store import MAX_KEYS_PER_ACCOUNT, AccountStore, ApiKey
from gateway.store.usage import UsageEntry
from gateway.testing.registry import ActiveDefects, defect
from gateway.usage import UsageLog

__all__ = ["install"]

EXPIRED_KEY_ACCEPTED = defect("expired_key_accepted", "a key past its expiry is 401 invalid_api_key (D-200)")
KEY_LIMIT_NOT_ENFORCED = defect("key_limit_not_enforced", "an account holds at most 50 keys; the 51st is refused")
USAGE_LOG_SKIPS_FAILURES = defect("usage_log_skips_failures", "failed calls are in the usage log with their status")
USAGE_OTHER_ACCOUNT_VISIBLE = defect("usage_other_account_visible", "GET /v1/usage lists only the key's account")
USAGE_COST_MISMATCH = defect("usage_cost_mismatch", "a usage entry's cost is what the call was charged")
REVOCATION_NOT_IMMEDIATE = defect("revocation_not_immediate",
                                  "a key revoked while in use is refused from the next request on (D-202)")
USAGE_AFTER_IGNORED = defect("usage_after_ignored", "GET /v1/usage?after=ID starts the page after that entry")

_CENT_NANO = 10_000_000


class _Keys:
    """The account store with the key defects applied."""

    def __init__(self, store: AccountStore, active: ActiveDefects) -> None:
        self._store, self._active = store, active
        self._seen: dict[str, ApiKey] = {}

    def __getattr__(self, name: str) -> Any:
        return getattr(self._store, name)

    async def find_key(self, wanted: str) -> ApiKey | None:
        if self._active.on(REVOCATION_NOT_IMMEDIATE.name) and wanted in self._seen:
            return self._seen[wanted]  # a key cache never invalidated on revoke
        record = await self._store.find_key(wanted)
        if record is not None:
            self._seen[wanted] = record
        if record is not None and record.expires_at is not None and self._active.on(EXPIRED_KEY_ACCEPTED.name):
            record = dataclasses.replace(record, expires_at=None)
        return record

    async def add_key(self, account_id: str, digest: str, label: str = "", *, expires_at: int | None = None,
                      limit: int = MAX_KEYS_PER_ACCOUNT) -> ApiKey:
        if self._active.on(KEY_LIMIT_NOT_ENFORCED.name):
            limit += 1  # an off-by-one: "more than 50" checked after the insert
        return await self._store.add_key(account_id, digest, label, expires_at=expires_at, limit=limit)


class _Usage:
    """The usage log with the usage defects applied."""

    def __init__(self, log: UsageLog, store: AccountStore, active: ActiveDefects) -> None:
        self._log, self._accounts, self._active = log, store, active

    def __getattr__(self, name: str) -> Any:
        return getattr(self._log, name)

    def submit(self, entry: UsageEntry) -> None:
        if self._active.on(USAGE_LOG_SKIPS_FAILURES.name) and entry.status >= 400:
            return
        if self._active.on(USAGE_COST_MISMATCH.name):  # the cost kept in cents
            entry = dataclasses.replace(entry, cost_nano=round(entry.cost_nano / _CENT_NANO) * _CENT_NANO)
        self._log.submit(entry)

    async def page(self, account_id: str, limit: int, after: str | None = None) -> tuple[list[UsageEntry], bool] | None:
        if self._active.on(USAGE_AFTER_IGNORED.name):
            after = None
        if not self._active.on(USAGE_OTHER_ACCOUNT_VISIBLE.name) or after is not None:
            return await self._log.page(account_id, limit, after)
        merged: list[UsageEntry] = []  # the account filter forgotten: every account's entries
        for account in await self._accounts.list_accounts():
            found = await self._log.page(account.id, limit)
            merged += found[0] if found else []
        merged.sort(key=lambda e: e.created_at, reverse=True)
        return merged[:limit], len(merged) > limit


def install(state: GatewayState, active: ActiveDefects) -> None:
    state.store = cast(AccountStore, _Keys(state.store, active))
    state.usage_log = cast(UsageLog, _Usage(state.usage_log, state.store, active))
