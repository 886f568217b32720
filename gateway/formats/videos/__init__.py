"""The ``/v1/videos/generations`` format: request bytes → :class:`~gateway.ir.video.VideoRequest`, and a
finished video → the job's ``VideoGenerationResult`` (D-113, D-114, D-116).

Decoding holds the body to the spec's ``VideoGenerationRequest``, resolves the model on the endpoint
(D-47), checks the values against the model's ``supported_parameters`` (ranges, enums) and selects the
price row the request's parameters pick (:func:`gateway.pricing.media_price`; a media input's condition is
whether it is given). :class:`VideoCodec` is one object on ``GatewayState.video_codec`` (a seam).
"""

from __future__ import annotations

import time
from decimal import Decimal
from typing import Any

from gateway.catalog import Catalog, CatalogModel
from gateway.errors import InvalidRequest
from gateway.formats.json_body import parse_json
from gateway.formats.openai_chat.decode import RAW_FLAGS
from gateway.formats.parameters import check_parameters, resolve_model
from gateway.ir.video import VideoRequest, VideoResult
from gateway.pricing import MediaPrice, media_price
from gateway.schemas import request_schema

__all__ = ["DEFAULT_DURATION", "ENDPOINT", "MEDIA_INPUTS", "UNITS", "VideoCodec", "number", "price_options"]

ENDPOINT = "/v1/videos/generations"
DEFAULT_DURATION = 5
"""Seconds when neither the request nor the catalog gives a duration (D-113)."""
MEDIA_INPUTS = ("image", "video")
UNITS = ("video-second", "request")
_OWN = frozenset({"model", "prompt", *RAW_FLAGS})


def number(value: Decimal | float) -> float | int:
    """A JSON number for ``value`` (an integer when it is one)."""
    value = Decimal(str(value))
    return int(value) if value == value.to_integral_value() else float(value)


def price_options(model: CatalogModel, body: dict[str, Any]) -> dict[str, Any]:
    """The value of each price-selecting parameter: the request's or its default; a media input counts as
    whether it is given (D-113)."""
    out: dict[str, Any] = {}
    for name in model.option_names:
        if name in MEDIA_INPUTS:
            out[name] = body.get(name) is not None
        else:
            out[name] = body.get(name, (model.parameters.get(name) or {}).get("default"))
    return out


def _check_enums(model: CatalogModel, body: dict[str, Any]) -> None:
    """Enums of numbers (``check_parameters`` holds strings to theirs)."""
    for name, value in body.items():
        allowed = (model.parameters.get(name) or {}).get("enum")
        if allowed and isinstance(value, (int, float)) and not isinstance(value, bool) and value not in allowed:
            raise InvalidRequest(f"'{name}' must be one of: {', '.join(map(str, allowed))}.", param=name)


def _price(model: CatalogModel, body: dict[str, Any]) -> MediaPrice:
    options = price_options(model, body)
    price = media_price(model.public.get("pricing_rows") or [], options, UNITS)
    if price is None:
        named = ", ".join(f"{k}={v}" for k, v in sorted(options.items()))
        raise InvalidRequest(f"The model '{model.id}' lists no price for {named or 'this request'}.",
                             param=next(iter(sorted(options)), None))
    return price


class VideoCodec:
    """Decode and encode ``/v1/videos/generations``."""

    def decode(self, raw: bytes, catalog: Catalog) -> VideoRequest:
        body = parse_json(raw)
        request_schema("VideoGenerationRequest").check(body)
        model = resolve_model(catalog.get, body["model"], ENDPOINT)
        check_parameters(model, body, skip=_OWN)
        _check_enums(model, body)
        return self.request(model, body)

    def request(self, model: CatalogModel, body: dict[str, Any]) -> VideoRequest:
        """The request for an already checked ``body``."""
        default = (model.parameters.get("duration") or {}).get("default", DEFAULT_DURATION)
        duration = float(body.get("duration", default))
        options = {k: v for k, v in body.items() if k not in _OWN and k != "duration" and v is not None}
        return VideoRequest(model=model, prompt=str(body.get("prompt", "")), duration=duration,
                            price=_price(model, body), options=options,
                            raw=any(body.get(flag) is True for flag in RAW_FLAGS))

    def restore(self, params: dict[str, Any], catalog: Catalog) -> VideoRequest | None:
        """The request a stored job was made with (:meth:`VideoRequest.params`), or ``None``."""
        model = catalog.get(str(params.get("model")))
        if model is None:
            return None
        body = {**dict(params.get("options") or {}), "duration": params.get("duration"),
                "raw": bool(params.get("raw"))}
        body.update({name: "given" for name in params.get("given") or ()})
        return self.request(model, body)

    def encode(self, request: VideoRequest, url: str, result: VideoResult) -> dict[str, Any]:
        cost = request.price.cost(request.duration)
        quantity = 1 if request.price.unit == "request" else number(request.duration)
        body: dict[str, Any] = {
            "created": int(time.time()), "model": request.model.id,
            "data": [{"url": url, "duration_seconds": number(round(result.seconds, 3)), "mime_type": "video/mp4"}],
            "usage": {"cost": number(cost), "unit": request.price.unit, "quantity": quantity},
        }
        if request.raw:
            body["raw"] = result.payload
        return body
