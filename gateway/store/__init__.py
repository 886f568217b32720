"""Accounts, API keys and credit balances.

:class:`AccountStore` is the interface; :class:`gateway.store.sqlite.SqliteStore` the default (embedded)
implementation. Balances are integers of nano-USD (1e-9 USD) so per-token prices add up exactly.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol

__all__ = ["DEFAULT_RPM", "DEFAULT_TPM", "NANO", "Account", "AccountStore", "ApiKey", "nano_to_usd", "usd_to_nano"]

NANO = Decimal(1_000_000_000)


def usd_to_nano(usd: Decimal | str | int) -> int:
    return int((Decimal(usd) * NANO).to_integral_value())


def nano_to_usd(nano: int) -> Decimal:
    return Decimal(nano) / NANO


DEFAULT_RPM = 50
DEFAULT_TPM = 2_000_000


@dataclass(frozen=True)
class Account:
    id: str
    name: str
    balance_nano: int
    created_at: int
    rpm: int = DEFAULT_RPM
    tpm: int = DEFAULT_TPM


@dataclass(frozen=True)
class ApiKey:
    id: str
    account_id: str
    digest: str
    label: str
    created_at: int
    revoked_at: int | None


class AccountStore(Protocol):
    def pepper(self) -> bytes: ...

    def create_account(self, name: str, balance_nano: int = 0) -> Account: ...

    def get_account(self, account_id: str) -> Account | None: ...

    def list_accounts(self) -> list[Account]: ...

    def top_up(self, account_id: str, amount_nano: int) -> Account: ...

    def debit(self, account_id: str, amount_nano: int) -> None: ...

    def set_limits(self, account_id: str, *, rpm: int | None = None, tpm: int | None = None) -> Account: ...

    def add_key(self, account_id: str, digest: str, label: str = "") -> ApiKey: ...

    def find_key(self, digest: str) -> ApiKey | None: ...

    def list_keys(self, account_id: str) -> list[ApiKey]: ...

    def revoke_key(self, key_id: str) -> ApiKey: ...
