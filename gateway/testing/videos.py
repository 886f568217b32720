"""Defects of ``POST /v1/videos/generations`` (D-113, D-114, D-116): any model served, values outside the
catalog forwarded, no admission, the price row ignoring the options, ``raw`` ignored, the wrong MIME type in
the result, a malformed upstream video completed.

Seams: the video codec (``state.video_codec``), each video adapter (``state.videos``) and the credit gate
(``state.credit_check``, for this path only).
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.types import Scope

from gateway.catalog import Catalog, CatalogModel
from gateway.errors import InvalidRequest, UpstreamError
from gateway.formats.videos import ENDPOINT, UNITS, VideoCodec, price_options
from gateway.ir.video import VideoRequest, VideoResult
from gateway.pricing import media_price
from gateway.state import GatewayState
from gateway.testing.registry import ActiveDefects, defect
from gateway.upstreams.video import VideoAdapter

__all__ = ["install", "serving_catalog", "skipping_credits"]

MODEL_UNCHECKED = defect("videos_model_unchecked",
                         "an unknown model is 404 and a model not serving the endpoint 400 (D-114)")
VALUES_UNCHECKED = defect("videos_values_unchecked",
                          "a value outside the schema or supported_parameters is 400 naming it (D-114)")
NOT_ADMITTED = defect("videos_not_admitted", "a video request of an account without credits is 402")
PRICE_IGNORES_OPTIONS = defect("videos_price_ignores_options",
                               "the price row the request's options (mode, generate_audio, resolution) select "
                               "is charged (D-113)")
RAW_IGNORED = defect("videos_raw_ignored", "disable_formatting adds raw to the result (D-116)")
MIME_TYPE_WRONG = defect("videos_mime_type_wrong", "the result's video is declared video/mp4 (D-114)")
MALFORMED_COMPLETED = defect("videos_malformed_completed",
                             "an upstream video that is not an MP4 fails the job upstream_error (D-114)")


def serving_catalog(catalog: Catalog, endpoint: str) -> Catalog:
    """``catalog`` answering any id that does not serve ``endpoint`` with its first model that does."""

    class _Serving(Catalog):
        def get(self, model_id: str) -> CatalogModel | None:
            model = self.models.get(model_id)
            if model is not None and endpoint in model.public["endpoints"]:
                return model
            return next(m for m in self.models.values() if endpoint in m.public["endpoints"] and m.available)

    return _Serving(**{f.name: getattr(catalog, f.name) for f in dataclasses.fields(catalog)})


def skipping_credits(inner: Callable[[Scope], Awaitable[None]], active: ActiveDefects, name: str,
                     path: str) -> Callable[[Scope], Awaitable[None]]:
    """``inner``, skipped for ``path`` while defect ``name`` is on."""

    async def check(scope: Scope) -> None:
        if not (active.on(name) and scope.get("path") == path):
            await inner(scope)

    return check


class _Codec(VideoCodec):
    def __init__(self, inner: VideoCodec, active: ActiveDefects) -> None:
        self.inner, self.active = inner, active

    def decode(self, raw: bytes, catalog: Catalog) -> VideoRequest:
        if self.active.on(MODEL_UNCHECKED.name):
            catalog = serving_catalog(catalog, ENDPOINT)
        try:
            request = self.inner.decode(raw, catalog)
        except InvalidRequest as error:
            if not self.active.on(VALUES_UNCHECKED.name) or error.param in (None, "model", "prompt"):
                raise
            body: dict[str, Any] = json.loads(raw)
            value = body.pop(str(error.param).split("[")[0], None)
            request = self.inner.decode(json.dumps(body).encode(), catalog)
            request = dataclasses.replace(request, options={**request.options, str(error.param): value})
        if self.active.on(PRICE_IGNORES_OPTIONS.name):
            price = media_price(request.model.public.get("pricing_rows") or [], price_options(request.model, {}),
                                UNITS)
            request = dataclasses.replace(request, price=price or request.price)
        if self.active.on(RAW_IGNORED.name):
            request = dataclasses.replace(request, raw=False)
        return request

    def request(self, model: CatalogModel, body: dict[str, Any]) -> VideoRequest:
        return self.inner.request(model, body)

    def restore(self, params: dict[str, Any], catalog: Catalog) -> VideoRequest | None:
        return self.inner.restore(params, catalog)

    def encode(self, request: VideoRequest, url: str, result: VideoResult) -> dict[str, Any]:
        body = self.inner.encode(request, url, result)
        if self.active.on(MIME_TYPE_WRONG.name):
            body["data"] = [{**item, "mime_type": "application/octet-stream"} for item in body["data"]]
        return body


class _Adapter:
    def __init__(self, inner: VideoAdapter, active: ActiveDefects) -> None:
        self.inner, self.active = inner, active

    async def submit(self, request: VideoRequest) -> str:
        return await self.inner.submit(request)

    async def finish(self, request: VideoRequest, ref: str, interval: float,
                     progress: Callable[[float], Awaitable[None]] | None = None) -> VideoResult:
        try:
            return await self.inner.finish(request, ref, interval, progress)
        except UpstreamError as error:
            if self.active.on(MALFORMED_COMPLETED.name) and "unreadable" in error.message:
                return VideoResult(video=b"not a video", seconds=request.duration)
            raise


def install(state: GatewayState, active: ActiveDefects) -> None:
    """Wrap the video codec, every video adapter and the credit gate (for this path only)."""
    state.credit_check = skipping_credits(state.credit_check, active, NOT_ADMITTED.name, ENDPOINT)
    state.video_codec = _Codec(state.video_codec, active)
    state.videos = {family: _Adapter(adapter, active) for family, adapter in state.videos.items()}
