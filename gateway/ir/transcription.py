"""The internal representation of a transcription request and of its upstream job's outcome (D-115)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from gateway.catalog import CatalogModel
    from gateway.pricing import MediaPrice

__all__ = ["Transcript", "TranscriptionRequest"]


@dataclass(frozen=True)
class TranscriptionRequest:
    model: CatalogModel
    price: MediaPrice
    audio: bytes | None = None
    """The file's bytes (uploaded, inline or a resolved ``bunny://`` path), or ``None`` for ``url``."""
    url: str | None = None
    path: str | None = None
    """A ``bunny://`` path, until the route resolves it into ``audio``."""
    language: str | None = None
    prompt: str | None = None
    temperature: float | None = None
    raw: bool = False
    """``disable_formatting`` or an alias (D-116)."""

    def params(self) -> dict[str, Any]:
        """What a restarted gateway needs to finish the job (never shown)."""
        return {"model": self.model.id, "raw": self.raw, "language": self.language}


@dataclass(frozen=True)
class Transcript:
    text: str
    duration: float
    language: str | None = None
    segments: list[dict[str, Any]] = field(default_factory=list)
    words: list[dict[str, Any]] = field(default_factory=list)
    payload: dict[str, Any] = field(default_factory=dict)
    """The upstream job's final state, scrubbed of what identifies it (shown only when ``raw``)."""
