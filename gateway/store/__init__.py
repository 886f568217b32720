"""Accounts, API keys, credit balances and the charge journal.

:class:`AccountStore` is the interface; :class:`gateway.store.sqlite.SqliteStore` the default (embedded)
implementation. Balances are integers of nano-USD (1e-9 USD) so per-token prices add up exactly.
A request's cost is settled in two phases (D-77): :meth:`AccountStore.hold` journals it as a pending
:class:`Charge` before the answer's last write, :meth:`AccountStore.settle` debits it once (keyed by request
id) after the write returned, :meth:`AccountStore.void` drops it when the answer was not delivered; at
start-up :meth:`AccountStore.void_pending` voids what a crash left pending.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol

__all__ = ["DEFAULT_RPM", "DEFAULT_TPM", "MAX_KEYS_PER_ACCOUNT", "NANO", "Account", "AccountStore", "ApiKey", "Charge", "StoreError", "nano_to_usd", "usd_to_nano"]

NANO = Decimal(1_000_000_000)


def usd_to_nano(usd: Decimal | str | int) -> int:
    return int((Decimal(usd) * NANO).to_integral_value())


def nano_to_usd(nano: int) -> Decimal:
    return Decimal(nano) / NANO


class StoreError(LookupError):
    """An account or key does not exist, or a limit was reached."""


MAX_KEYS_PER_ACCOUNT = 50
"""API keys an account may hold (docs: rate-limits-and-api-keys, "up to 50 API keys")."""

DEFAULT_RPM = 50
DEFAULT_TPM = 2_000_000
DEFAULT_WINDOW = 60.0
"""Seconds of the rolling window the budgets are counted over (D-3; per account, D-142)."""


@dataclass(frozen=True)
class Account:
    id: str
    name: str
    balance_nano: int
    created_at: int
    rpm: int = DEFAULT_RPM
    tpm: int = DEFAULT_TPM
    window: float = DEFAULT_WINDOW


@dataclass(frozen=True)
class ApiKey:
    id: str
    account_id: str
    digest: str
    label: str
    created_at: int
    revoked_at: int | None
    expires_at: int | None = None
    """Unix seconds from which the key no longer authenticates (judged by the gateway's clock, D-200); ``None``: never."""

    def live(self, now: float) -> bool:
        """Whether the key authenticates at ``now``: not revoked, not expired."""
        return self.revoked_at is None and (self.expires_at is None or now < self.expires_at)


@dataclass(frozen=True)
class Charge:
    """One request's cost in the journal: ``pending`` until ``settled`` (debited) or ``void``."""

    request_id: str
    account_id: str
    amount_nano: int
    state: str
    created_at: int
    resolved_at: int | None


class AccountStore(Protocol):
    def pepper(self) -> bytes: ...

    async def create_account(self, name: str, balance_nano: int = 0) -> Account: ...

    async def get_account(self, account_id: str) -> Account | None: ...

    async def list_accounts(self) -> list[Account]: ...

    async def top_up(self, account_id: str, amount_nano: int) -> Account: ...

    async def debit(self, account_id: str, amount_nano: int) -> None:
        """Take ``amount_nano`` from the balance, never below zero."""

    async def hold(self, request_id: str, account_id: str, amount_nano: int) -> None:
        """Journal a pending charge (a second hold of the same request id is ignored)."""

    async def settle(self, request_id: str) -> bool:
        """Debit the request's pending charge, once; ``False`` when none is pending."""

    async def void(self, request_id: str) -> bool:
        """Drop the request's pending charge without debiting; ``False`` when none is pending."""

    async def void_pending(self) -> list[Charge]:
        """Void every pending charge (start-up: a crash left them), returning them."""

    async def charges(self, state: str | None = None) -> list[Charge]:
        """The journal, oldest first (only ``state`` when given)."""

    async def set_limits(self, account_id: str, *, rpm: int | None = None, tpm: int | None = None,
                   window: float | None = None) -> Account: ...

    async def add_key(self, account_id: str, digest: str, label: str = "", *, expires_at: int | None = None,
                      limit: int = MAX_KEYS_PER_ACCOUNT) -> ApiKey:
        """A new key; :class:`StoreError` when the account already holds ``limit`` unrevoked keys (D-201: an
        expired key keeps its slot until revoked). The count and the insert are one atomic step."""

    async def find_key(self, digest: str) -> ApiKey | None: ...

    async def list_keys(self, account_id: str) -> list[ApiKey]: ...

    async def revoke_key(self, key_id: str) -> ApiKey: ...
