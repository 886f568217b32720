"""The media family's image API: OpenAI-style ``POST /v1/images/generations`` (also ``/images/generations``)
answering ``b64_json`` PNGs.

Each image is a real PNG (8-bit RGB, written with :mod:`zlib` and :mod:`struct`) of the requested ``size``:
horizontal bands whose colours are a pure function of the prompt with its directives removed, the image's
index and ``seed`` (:func:`png`). Directives in ``prompt`` apply as on every mock (``status``,
``latency``, ``hang``, ``malformed`` halves the JSON body, ``cut`` drops the connection midway).
"""

from __future__ import annotations

import base64
import hashlib
import re
import struct
import time
import zlib
from typing import Any

from starlette.routing import Route

from mocks.openai.dialect import OpenAIDialect
from mocks.provider import ApiError, Call, Family, dumps, endpoint
from mocks.wire import JSONDelivery

__all__ = ["MAX_IMAGES", "MAX_SIDE", "MODELS", "png", "routes"]

MODELS = frozenset({"qwen-image-2.0", "wan2.7-image", "amazon.nova-canvas-v1:0", "seedream-5.0-lite",
                    "janus-pro-7b", "hunyuan-image-3.0"})
"""Upstream image models the mock draws with."""
MAX_IMAGES = 10
MAX_SIDE = 4096
_SIZE = re.compile(r"^(\d{1,4})x(\d{1,4})$")


def _chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def png(width: int, height: int, key: str) -> bytes:
    """A ``width`` × ``height`` RGB PNG of bands coloured from the SHA-256 of ``key``."""
    palette = hashlib.sha256(key.encode()).digest()
    band = max(1, height // 8)
    rows = []
    for y in range(height):
        i = (y // band) % 10 * 3
        rows.append(b"\x00" + palette[i:i + 3] * width)
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"IDAT", zlib.compress(b"".join(rows), 6))
            + _chunk(b"IEND", b""))


def _checked(body: dict[str, Any]) -> tuple[str, int, int, int]:
    if body.get("model") not in MODELS:
        raise ApiError(404, f"The model '{body.get('model')}' does not exist.", code="model_not_found", param="model")
    prompt = body.get("prompt")
    if not isinstance(prompt, str) or not prompt.strip():
        raise ApiError(400, "'prompt' must be a non-empty string.", param="prompt")
    n = body.get("n", 1)
    if isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= MAX_IMAGES:
        raise ApiError(400, f"'n' must be between 1 and {MAX_IMAGES}.", param="n")
    match = _SIZE.match(str(body.get("size", "1024x1024")))
    if match is None or not all(1 <= int(side) <= MAX_SIDE for side in match.groups()):
        raise ApiError(400, f"'size' must be WIDTHxHEIGHT, each side 1..{MAX_SIDE}.", param="size")
    if body.get("response_format", "b64_json") != "b64_json":
        raise ApiError(400, "'response_format' must be 'b64_json'.", param="response_format")
    return prompt, n, int(match.group(1)), int(match.group(2))


def routes(family: Family) -> list[Route]:
    dialect = OpenAIDialect()

    async def handle(call: Call) -> Any:
        prompt, n, width, height = _checked(call.body)
        clean, plan = call.plan(prompt)
        if plan.status:
            raise ApiError.injected(plan.status, plan)
        text = " ".join(clean.split())
        seed = call.body.get("seed")
        data = [{"b64_json": base64.b64encode(png(width, height, f"{text}|{i}|{seed}")).decode(),
                 "revised_prompt": text} for i in range(n)]
        body = {"created": int(time.time()), "id": f"imggen_{call.request_id}", "request_id": call.request_id,
                "model": call.body["model"], "data": data, "usage": {"images": n, "size": f"{width}x{height}"}}
        return JSONDelivery(dumps(body).encode(), 200, call.headers, plan)

    run = endpoint(family, dialect, dialect.authenticate, handle)
    return [Route("/v1/images/generations", run, methods=["POST"]),
            Route("/images/generations", run, methods=["POST"])]
