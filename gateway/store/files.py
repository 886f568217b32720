"""Uploaded files (D-81): bytes and metadata, per account, behind :class:`FileStore`.

:class:`gateway.store.sqlite_files.SqliteFileStore` is the default (the bytes in the same SQLite file as
the accounts). A file is found only by its own account, by id or by ``bunny://`` path; it expires
:data:`FILE_RETENTION_SECONDS` after upload (D-16: 30 days, as generated media).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

__all__ = ["FILE_RETENTION_SECONDS", "FileStore", "StoredFile"]

FILE_RETENTION_SECONDS = 30 * 24 * 3600


@dataclass(frozen=True)
class StoredFile:
    id: str
    account_id: str
    path: str
    filename: str
    content_type: str
    bytes: int
    purpose: str | None
    created_at: int
    expires_at: int

    def public(self) -> dict[str, Any]:
        """The ``FileUploadResponse`` body."""
        return {"id": self.id, "object": "file", "path": self.path, "filename": self.filename,
                "bytes": self.bytes, "content_type": self.content_type, "purpose": self.purpose,
                "created_at": self.created_at, "expires_at": self.expires_at}


class FileStore(Protocol):
    async def put(self, record: StoredFile, data: bytes) -> None: ...

    async def find(self, account_id: str, reference: str, now: int) -> StoredFile | None:
        """The account's live file whose id or ``bunny://`` path is ``reference``, or ``None``."""
        ...

    async def content(self, account_id: str, file_id: str, now: int) -> bytes | None:
        """The bytes of the account's live file ``file_id``."""
        ...

    async def purge(self, now: int) -> int:
        """Remove expired files; how many."""
        ...
