"""The internal representation of an image generation request and its answer (D-107, D-108)."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from gateway.money import billed

if TYPE_CHECKING:
    from gateway.catalog import CatalogModel

__all__ = ["GeneratedImage", "ImagePrice", "ImageRequest", "ImageResult"]


@dataclass(frozen=True)
class ImageRequest:
    """A validated ``/v1/images/generations`` request; ``raw`` is ``disable_formatting`` or an alias."""

    model: CatalogModel
    prompt: str
    n: int
    width: int
    height: int
    quality: str | None = None
    style: str | None = None
    negative_prompt: str | None = None
    seed: int | None = None
    b64_json: bool = False
    raw: bool = False
    wait: bool = True
    images: tuple[str, ...] = ()
    """Input images (``https://``, ``data:`` URLs or ``bunny://`` paths), for the models that take them."""

    @property
    def size(self) -> str:
        return f"{self.width}x{self.height}"


@dataclass(frozen=True)
class ImagePrice:
    """The price row a request selected (D-108): USD per image, and the row's label."""

    per_image: Decimal
    charge: str

    def cost(self, images: int) -> Decimal:
        return billed(self.per_image * images)


@dataclass(frozen=True)
class GeneratedImage:
    png: bytes
    width: int
    height: int
    revised_prompt: str | None = None


@dataclass(frozen=True)
class ImageResult:
    images: tuple[GeneratedImage, ...]
    payload: dict[str, Any] = field(default_factory=dict)
    """The upstream's answer scrubbed of its ids and image data (``raw`` with ``disable_formatting``, D-109)."""
