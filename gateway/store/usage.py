"""The usage log (D-203): one :class:`UsageEntry` per authenticated call, failed ones included, behind
:class:`UsageStore`.

:class:`gateway.store.sqlite_usage.SqliteUsageStore` is the default; the PostgreSQL one is
:class:`gateway.store.postgres.usage.PostgresUsageStore`. Entries are written in batches by
:class:`gateway.usage.UsageLog` (never on the request's path) and read newest first, per account.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

__all__ = ["MAX_PAGE", "UsageEntry", "UsageStore"]

MAX_PAGE = 100
"""The most entries one read returns."""


@dataclass(frozen=True)
class UsageEntry:
    """One call: who made it, what it asked for, what it was answered, what it used and cost."""

    request_id: str
    """The gateway's ``x-request-id`` of the call (unique; the entry's id)."""
    account_id: str
    key_id: str
    model: str | None
    """The catalog model the call named, once decoded (``None`` for calls without one, or refused before)."""
    endpoint: str
    method: str
    status: int
    """The HTTP status answered (499: the client left before a non-stream answer, D-76)."""
    input_tokens: int = 0
    output_tokens: int = 0
    reasoning_tokens: int = 0
    cached_tokens: int = 0
    units: dict[str, float] = field(default_factory=dict)
    """Non-token quantities billed (e.g. ``{"request": 1}``, ``{"character": 120}``), by pricing unit."""
    cost_nano: int = 0
    """What the call was charged, in nano-USD (the amount debited)."""
    latency_ms: float = 0.0
    created_at: float = 0.0
    """Unix seconds on the gateway's clock when the call arrived."""


class UsageStore(Protocol):
    async def add(self, entries: list[UsageEntry]) -> None:
        """Write a batch (an entry whose request id is already stored is ignored)."""

    async def page(self, account_id: str, limit: int, after: str | None = None) -> tuple[list[UsageEntry], bool] | None:
        """Up to ``limit`` of the account's entries, newest first, starting after the entry ``after`` (a request
        id), and whether more follow; ``None`` when ``after`` is not one of the account's entries."""

    async def close(self) -> None: ...
