"""The OpenAI images format: ``POST /v1/images/generations`` bytes → :class:`ImageRequest`, and an
:class:`ImageResult` → the ``ImageGenerationResponse`` body (D-9, D-107 – D-109).

Decoding holds the body to the spec's ``ImageGenerationRequest``, resolves the model on the endpoint
(D-47) and checks the values against the model's ``supported_parameters`` (``n``, ``quality``,
``response_format``); a ``quality`` the model does not list, and input images for a model that takes no
image input, are 400 ``unsupported_parameter``. ``size`` is ``WxH`` with each side in
:data:`MIN_SIDE`..:data:`MAX_SIDE` (default :data:`DEFAULT_SIZE`); without it an ``aspect_ratio`` sets it
(long side 1024). The price row is chosen by :func:`gateway.pricing.per_image_row` (D-108).
"""

from __future__ import annotations

import base64
import time
from decimal import Decimal
from typing import Any, Protocol

from gateway.catalog import Catalog, CatalogModel
from gateway.errors import InvalidRequest
from gateway.formats.json_body import parse_json
from gateway.formats.openai_chat.decode import RAW_FLAGS
from gateway.formats.parameters import check_parameters, resolve_model
from gateway.ir.images import ImagePrice, ImageRequest, ImageResult
from gateway.pricing import per_image_row
from gateway.schemas import request_schema

__all__ = ["DEFAULT_SIZE", "ENDPOINT", "MAX_SIDE", "MIN_SIDE", "ImageCodec", "OpenAIImages", "price_of"]

ENDPOINT = "/v1/images/generations"
DEFAULT_SIZE = (1024, 1024)
MIN_SIDE, MAX_SIDE = 64, 2048
_OWN = frozenset({"model", "prompt", "size", "aspect_ratio", "image", "images", "async", "user", "style", *RAW_FLAGS})


class ImageCodec(Protocol):
    def decode(self, raw: bytes, catalog: Catalog) -> ImageRequest: ...

    def price(self, request: ImageRequest) -> ImagePrice: ...

    def encode(self, request: ImageRequest, result: ImageResult, job_id: str, urls: list[str],
               price: ImagePrice) -> dict[str, Any]: ...


def _size(body: dict[str, Any]) -> tuple[int, int]:
    size, ratio = body.get("size"), body.get("aspect_ratio")
    if size is None and ratio is not None:
        across, _, down = str(ratio).partition(":")
        a, b = int(across), int(down)
        if a < 1 or b < 1:
            raise InvalidRequest("'aspect_ratio' must be two positive integers, e.g. 16:9.", param="aspect_ratio")
        long_side = DEFAULT_SIZE[0]
        short = max(MIN_SIDE, round(long_side * min(a, b) / max(a, b) / 8) * 8)
        return (long_side, short) if a >= b else (short, long_side)
    if size is None:
        return DEFAULT_SIZE
    width, _, height = str(size).partition("x")
    w, h = int(width), int(height)
    if not (MIN_SIDE <= w <= MAX_SIDE and MIN_SIDE <= h <= MAX_SIDE):
        raise InvalidRequest(f"'size' must be WIDTHxHEIGHT with each side between {MIN_SIDE} and {MAX_SIDE}.",
                             param="size")
    return w, h


def _images(model: CatalogModel, body: dict[str, Any]) -> tuple[str, ...]:
    given = [("image", body["image"])] if body.get("image") else []
    given += [(f"images[{i}]", v) for i, v in enumerate(body.get("images") or ())]
    if given and "image" not in (model.public.get("input_modalities") or ()):
        raise InvalidRequest(f"The model '{model.id}' does not take input images.", code="unsupported_parameter",
                             param=given[0][0])
    return tuple(str(v) for _, v in given)


def price_of(model: CatalogModel, quality: str | None, size: str) -> ImagePrice:
    """The per-image price of ``quality`` at ``size`` on ``model`` (D-108); free when no row applies."""
    row = per_image_row(model.public.get("pricing_rows") or [], {"quality": quality, "size": size})
    if row is None:
        return ImagePrice(Decimal(0), "")
    return ImagePrice(Decimal(str(row["rate_usd"])) / Decimal(str(row.get("per") or 1)), str(row.get("charge", "")))


def _check_priced(model: CatalogModel, quality: str | None, size: str) -> None:
    """D-198: a quality and size no conditioned per-image row prices is 400 ``unpriced_option``, naming
    ``size`` when the quality has a row (at another size), else ``quality``."""
    rows = [r for r in model.public.get("pricing_rows") or () if r.get("unit") == "image" and r.get("conditions")]
    if not rows or per_image_row(rows, {"quality": quality, "size": size}) is not None:
        return
    param = "size" if any(r["conditions"].get("quality") == quality for r in rows) else "quality"
    raise InvalidRequest(f"The model '{model.id}' publishes no price for quality={quality!r} at size {size}.",
                         code="unpriced_option", param=param)


def _number(usd: Decimal) -> float | int:
    return int(usd) if usd == usd.to_integral_value() else float(usd)


class OpenAIImages:
    """The codec of ``/v1/images/generations``."""

    def decode(self, raw: bytes, catalog: Catalog) -> ImageRequest:
        body = parse_json(raw)
        request_schema("ImageGenerationRequest").check(body)
        model = resolve_model(catalog.get, body["model"], ENDPOINT)
        if body.get("quality") is not None and "quality" not in model.parameters:
            raise InvalidRequest(f"The model '{model.id}' has no quality tiers.", code="unsupported_parameter",
                                 param="quality")
        check_parameters(model, body, skip=_OWN)
        width, height = _size(body)
        n = body.get("n")
        quality = body.get("quality") or (model.parameters.get("quality") or {}).get("default")
        _check_priced(model, quality, f"{width}x{height}")
        return ImageRequest(
            model=model, prompt=body["prompt"], n=int(n) if n is not None else 1, width=width, height=height,
            quality=quality, style=body.get("style"), negative_prompt=body.get("negative_prompt"),
            seed=body.get("seed"), b64_json=body.get("response_format") == "b64_json",
            raw=any(body.get(flag) is True for flag in RAW_FLAGS), wait=body.get("async") is not True,
            images=_images(model, body),
        )

    def price(self, request: ImageRequest) -> ImagePrice:
        return price_of(request.model, request.quality, request.size)

    def encode(self, request: ImageRequest, result: ImageResult, job_id: str, urls: list[str],
               price: ImagePrice) -> dict[str, Any]:
        data: list[dict[str, Any]] = []
        for image, url in zip(result.images, urls, strict=True):
            item: dict[str, Any] = {"url": url, "mime_type": "image/png", "width": image.width,
                                    "height": image.height, "revised_prompt": image.revised_prompt}
            if request.b64_json:
                item["b64_json"] = base64.b64encode(image.png).decode()
            data.append(item)
        body: dict[str, Any] = {
            "created": int(time.time()), "model": request.model.id, "job_id": job_id, "data": data,
            "usage": {"cost": _number(price.cost(len(data))), "unit": "image", "quantity": len(data)},
        }
        if request.raw:
            body["raw"] = result.payload
        return body
