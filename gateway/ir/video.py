"""The internal representation of a video generation request and of its upstream job's outcome (D-113,
D-114)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from gateway.catalog import CatalogModel
    from gateway.pricing import MediaPrice

__all__ = ["VideoRequest", "VideoResult"]


@dataclass(frozen=True)
class VideoRequest:
    model: CatalogModel
    prompt: str
    duration: float
    """Seconds asked for (the request's, else the model's default)."""
    price: MediaPrice
    options: dict[str, Any] = field(default_factory=dict)
    """The other generation parameters, sent to the upstream as given (media inputs resolved)."""
    raw: bool = False
    """``disable_formatting`` or an alias (D-116)."""

    def params(self) -> dict[str, Any]:
        """What a restarted gateway needs to finish the job (never shown)."""
        return {"model": self.model.id, "duration": self.duration, "raw": self.raw,
                "options": {k: v for k, v in self.options.items() if k not in ("image", "video")},
                "given": sorted(k for k in ("image", "video") if k in self.options)}


@dataclass(frozen=True)
class VideoResult:
    video: bytes
    seconds: float
    """The MP4's own duration."""
    payload: dict[str, Any] = field(default_factory=dict)
    """The upstream job's final state, scrubbed of what identifies it (shown only when ``raw``)."""
