"""Accounts, API keys, credit balances and the charge journal.

:class:`AccountStore` is the interface; :class:`gateway.store.sqlite.SqliteStore` the default (embedded)
implementation. Balances are integers of nano-USD (1e-9 USD) so per-token prices add up exactly.
Before the upstream call :meth:`AccountStore.reserve` holds the request's estimated maximum cost, atomically and
only when the balance minus the account's open holds covers it (D-180); a request's cost is then settled in two
phases (D-77): :meth:`AccountStore.hold` journals it as a pending :class:`Charge` at the actual amount before the
answer's last write, :meth:`AccountStore.settle` debits it once (keyed by request id, capped at the balance,
D-181) after the write returned, :meth:`AccountStore.release` / :meth:`AccountStore.void` drop it when nothing is
charged; at start-up :meth:`AccountStore.void_pending` releases what a crash left held or pending (D-183).
Charge states: ``held`` → ``pending`` → ``settled`` | ``void``. Every top-up, hold, release and debit is a
:class:`LedgerEntry`; an account's entries sum to its balance and its held amount (D-182).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol

__all__ = ["DEFAULT_RPM", "DEFAULT_TPM", "MAX_KEYS_PER_ACCOUNT", "NANO", "Account", "AccountStore", "ApiKey", "Charge", "LedgerEntry", "StoreError", "nano_to_usd", "usd_to_nano"]

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
    """One request's cost in the journal: ``held`` (its estimate reserved), ``pending`` (its actual amount
    journalled) until ``settled`` (debited) or ``void``."""

    request_id: str
    account_id: str
    amount_nano: int
    state: str
    created_at: int
    resolved_at: int | None
    reserved_nano: int = 0
    """What the charge keeps from the available balance while held or pending (D-180)."""


@dataclass(frozen=True)
class LedgerEntry:
    """One movement of an account's money (D-182): ``kind`` is ``opening``, ``top_up``, ``hold``, ``release`` or
    ``debit``; ``balance_nano`` its change to the balance, ``held_nano`` its change to the held amount."""

    seq: int
    account_id: str
    kind: str
    balance_nano: int
    held_nano: int
    request_id: str | None
    created_at: int


class AccountStore(Protocol):
    def pepper(self) -> bytes: ...

    async def create_account(self, name: str, balance_nano: int = 0) -> Account: ...

    async def get_account(self, account_id: str) -> Account | None: ...

    async def list_accounts(self) -> list[Account]: ...

    async def top_up(self, account_id: str, amount_nano: int) -> Account: ...

    async def debit(self, account_id: str, amount_nano: int) -> None:
        """Take ``amount_nano`` from the balance, never below zero."""

    async def reserve(self, request_id: str, account_id: str, amount_nano: int) -> bool:
        """Hold ``amount_nano`` for the request, atomically, only when the balance minus the account's open
        holds covers it (and is above zero); whether it is held (D-180)."""

    async def held(self, account_id: str) -> int:
        """What the account's held and pending charges keep from its balance."""

    async def hold(self, request_id: str, account_id: str, amount_nano: int) -> None:
        """Journal a pending charge of ``amount_nano``; a request's held reservation becomes it (a second hold
        of a pending or resolved request id is ignored)."""

    async def settle(self, request_id: str) -> bool:
        """Debit the request's pending charge, once; ``False`` when none is pending."""

    async def release(self, request_id: str) -> bool:
        """Drop the request's held reservation (nothing charged); ``False`` when none is held."""

    async def void(self, request_id: str) -> bool:
        """Drop the request's held or pending charge without debiting; ``False`` when none is open."""

    async def void_pending(self) -> list[Charge]:
        """Void every held or pending charge a crash left (start-up, D-183), returning them."""

    async def ledger(self, account_id: str) -> list[LedgerEntry]:
        """The account's ledger, oldest first (D-182)."""

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
