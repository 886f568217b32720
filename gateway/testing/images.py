"""Defects of ``POST /v1/images/generations`` (D-107, D-108): images of the wrong size, the wrong price row.

Seams: the image codec (``state.image_codec``: the price it selects) and each image adapter
(``state.imagers``: the request it sends).
"""

from __future__ import annotations

import dataclasses
from typing import Any

from gateway.catalog import Catalog
from gateway.formats.openai_images import ImageCodec, price_of
from gateway.ir.images import ImagePrice, ImageRequest, ImageResult
from gateway.state import GatewayState
from gateway.testing.registry import ActiveDefects, defect
from gateway.upstreams.images import ImageAdapter

__all__ = ["install"]

WRONG_SIZE = defect("images_wrong_size", "every image is a PNG of exactly the asked size (D-107)")
WRONG_PRICE_ROW = defect("images_wrong_price_row", "the price row quality and size select is charged (D-108)")


class _Codec:
    def __init__(self, inner: ImageCodec, active: ActiveDefects) -> None:
        self.inner, self.active = inner, active

    def decode(self, raw: bytes, catalog: Catalog) -> ImageRequest:
        return self.inner.decode(raw, catalog)

    def price(self, request: ImageRequest) -> ImagePrice:
        if self.active.on(WRONG_PRICE_ROW.name):
            return price_of(request.model, None, "1x1")
        return self.inner.price(request)

    def encode(self, request: ImageRequest, result: ImageResult, job_id: str, urls: list[str],
               price: ImagePrice) -> dict[str, Any]:
        return self.inner.encode(request, result, job_id, urls, price)


class _Adapter:
    def __init__(self, inner: ImageAdapter, active: ActiveDefects) -> None:
        self.inner, self.active = inner, active

    async def generate(self, request: ImageRequest) -> ImageResult:
        if self.active.on(WRONG_SIZE.name):
            request = dataclasses.replace(request, width=max(64, request.width // 2))
        return await self.inner.generate(request)


def install(state: GatewayState, active: ActiveDefects) -> None:
    """Wrap the image codec and every image adapter."""
    state.image_codec = _Codec(state.image_codec, active)
    state.imagers = {family: _Adapter(adapter, active) for family, adapter in state.imagers.items()}
