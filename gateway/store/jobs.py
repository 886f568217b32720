"""Asynchronous jobs (D-13, D-89): one row per job, per account, behind :class:`JobStore`.

:class:`gateway.store.sqlite_jobs.SqliteJobStore` is the default. A job is found only by its own account
and only until ``expires_at`` (completion + :data:`JOB_RETENTION_SECONDS`); ``params`` and ``upstream_ref``
are what a restarted gateway needs to resume it and are never shown.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, Protocol

__all__ = ["JOB_RETENTION_SECONDS", "TERMINAL", "JobRecord", "JobStore"]

JOB_RETENTION_SECONDS = 3600
TERMINAL = frozenset({"completed", "failed"})


@dataclass(frozen=True)
class JobRecord:
    id: str
    account_id: str
    type: str
    model: str
    status: str
    created_at: int
    started_at: int | None = None
    completed_at: int | None = None
    expires_at: int | None = None
    progress: float | None = None
    result: dict[str, Any] | None = None
    error: dict[str, Any] | None = None
    params: dict[str, Any] = field(default_factory=dict)
    upstream_ref: str | None = None

    @property
    def finished(self) -> bool:
        return self.status in TERMINAL

    def but(self, **changes: Any) -> JobRecord:
        return replace(self, **changes)

    def public(self) -> dict[str, Any]:
        """The ``Job`` body."""
        return {"id": self.id, "object": "job", "type": self.type, "status": self.status, "model": self.model,
                "created_at": self.created_at, "started_at": self.started_at, "completed_at": self.completed_at,
                "expires_at": self.expires_at, "progress": self.progress, "result": self.result,
                "error": self.error}


class JobStore(Protocol):
    async def put(self, record: JobRecord) -> None:
        """Insert or replace the job's row."""
        ...

    async def get(self, account_id: str, job_id: str, now: int) -> JobRecord | None:
        """The account's job ``job_id`` while retained, or ``None``."""
        ...

    async def unfinished(self) -> list[JobRecord]:
        """Every queued or running job (start-up recovery)."""
        ...

    async def purge(self, now: int) -> int:
        """Remove jobs past their retention; how many."""
        ...
