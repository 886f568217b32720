"""The media family's image adapter: an OpenAI-style ``POST /v1/images/generations`` upstream answering
``b64_json`` PNGs (D-107).

Every image must be a whole PNG of the requested size, and there must be as many as asked, else 502:
a truncated, mis-sized or missing image never reaches the client. What the upstream said besides the
images is kept, scrubbed of its ids, for ``raw`` (D-109).
"""

from __future__ import annotations

import base64
import binascii
from typing import Any, Protocol

from gateway.config import Upstream
from gateway.errors import UpstreamError
from gateway.ir.images import GeneratedImage, ImageRequest, ImageResult
from gateway.media.png import png_size
from gateway.upstreams.http import UpstreamHTTP

__all__ = ["SCRUBBED", "ImageAdapter", "ImageUpstream"]

PATH = "/v1/images/generations"
SCRUBBED = frozenset({"id", "request_id", "requestId", "b64_json"})
"""Fields of the upstream's answer never passed on in ``raw``: its call ids and the image data itself."""
_UNREADABLE = "The model provider returned an unreadable answer."


class ImageAdapter(Protocol):
    async def generate(self, request: ImageRequest) -> ImageResult: ...


def _scrubbed(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _scrubbed(v) for k, v in value.items() if k not in SCRUBBED}
    if isinstance(value, list):
        return [_scrubbed(v) for v in value]
    return value


def _image(item: Any, request: ImageRequest) -> GeneratedImage:
    try:
        png = base64.b64decode(item["b64_json"], validate=True)
        size = png_size(png)
    except (KeyError, TypeError, ValueError, binascii.Error) as exc:
        raise UpstreamError(_UNREADABLE) from exc
    if size != (request.width, request.height):
        raise UpstreamError(_UNREADABLE)
    revised = item.get("revised_prompt")
    return GeneratedImage(png, size[0], size[1], revised if isinstance(revised, str) else None)


class ImageUpstream:
    """One OpenAI-style image generation upstream."""

    def __init__(self, http: UpstreamHTTP, upstream: Upstream) -> None:
        self.http, self.upstream = http, upstream
        self.headers = {"authorization": f"Bearer {upstream.api_key or 'unset'}"}

    def body(self, request: ImageRequest) -> dict[str, Any]:
        out: dict[str, Any] = {"model": request.model.upstream_model, "prompt": request.prompt, "n": request.n,
                               "size": request.size, "response_format": "b64_json"}
        optional = {"quality": request.quality, "style": request.style, "negative_prompt": request.negative_prompt,
                    "seed": request.seed}
        out.update({k: v for k, v in optional.items() if v is not None})
        if request.images:
            out["images"] = list(request.images)
        return out

    async def generate(self, request: ImageRequest) -> ImageResult:
        payload = await self.http.post_json(self.upstream, PATH, self.body(request), self.headers)
        items = payload.get("data")
        if not isinstance(items, list) or len(items) != request.n or not all(isinstance(i, dict) for i in items):
            raise UpstreamError(_UNREADABLE)
        return ImageResult(tuple(_image(item, request) for item in items), _scrubbed(payload))
