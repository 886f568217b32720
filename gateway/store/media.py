"""Generated media (D-90): the objects behind the gateway's signed media URLs, behind :class:`MediaStore`.

:class:`gateway.store.sqlite_media.SqliteMediaStore` is the default. An object is deleted
:data:`MEDIA_RETENTION_SECONDS` after it was made (D-16: 30 days) by the sweeper; its URLs are valid for
7 days from signing (:mod:`gateway.media`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

__all__ = ["MEDIA_RETENTION_SECONDS", "MediaObject", "MediaStore"]

MEDIA_RETENTION_SECONDS = 30 * 24 * 3600


@dataclass(frozen=True)
class MediaObject:
    id: str
    account_id: str
    filename: str
    content_type: str
    bytes: int
    created_at: int
    expires_at: int


class MediaStore(Protocol):
    async def put(self, record: MediaObject, data: bytes) -> None: ...

    async def get(self, object_id: str, now: int) -> tuple[MediaObject, bytes] | None:
        """The live object ``object_id`` and its bytes, or ``None``."""
        ...

    async def purge(self, now: int) -> int:
        """Delete objects past their retention; how many."""
        ...
