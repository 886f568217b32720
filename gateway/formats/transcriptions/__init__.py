"""The ``/v1/audio/transcriptions`` format: a JSON body or multipart fields →
:class:`~gateway.ir.transcription.TranscriptionRequest`, and a transcript → the job's
``TranscriptionResult`` (D-115, D-116).

Multipart text fields are coerced to the types of the spec's ``TranscriptionMultipartRequest`` (``true`` /
``false``, numbers, repeated or ``[]``-suffixed arrays) and then held to it; JSON to
``TranscriptionJsonRequest``. The file is the multipart file part, a ``data:`` URL (decoded here), a
``bunny://`` path (kept in ``path`` for the route to resolve against the account's uploads) or an
``https://`` URL (sent to the upstream to fetch). :class:`TranscriptionCodec` is one object on
``GatewayState.transcription_codec`` (a seam).
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import re
from collections.abc import Mapping
from typing import Any

from gateway.catalog import Catalog, CatalogModel
from gateway.errors import InvalidRequest
from gateway.formats.openai_chat.decode import RAW_FLAGS
from gateway.formats.parameters import check_parameters, resolve_model
from gateway.formats.videos import number
from gateway.ir.transcription import Transcript, TranscriptionRequest
from gateway.pricing import MediaPrice, media_price
from gateway.schemas import request_properties, request_schema

__all__ = ["ENDPOINT", "MULTIPART", "TranscriptionCodec", "coerce"]

ENDPOINT = "/v1/audio/transcriptions"
MULTIPART = "TranscriptionMultipartRequest"
_OWN = frozenset({"model", "file", *RAW_FLAGS})
_DATA_URL = re.compile(r"^data:([a-z0-9.+-]+/[a-z0-9.+-]+)?(?:;[^;,]*)*;base64,(.*)$", re.IGNORECASE | re.DOTALL)


def _scalar(value: str, kind: Any) -> Any:
    if kind == "boolean":
        return {"true": True, "false": False}.get(value.strip().lower(), value)
    if kind in ("number", "integer"):
        try:
            parsed = float(value)
        except ValueError:
            return value
        return int(parsed) if kind == "integer" and parsed.is_integer() else parsed
    return value


def coerce(fields: Mapping[str, list[str]]) -> dict[str, Any]:
    """Multipart text fields as the JSON values the multipart schema declares."""
    properties = request_properties(MULTIPART)
    out: dict[str, Any] = {}
    for raw_name, values in fields.items():
        name = raw_name.removesuffix("[]")
        kind = (properties.get(name) or {}).get("type")
        if kind == "array":
            out[name] = [*out.get(name, []), *values]
        else:
            out[name] = _scalar(values[-1], kind)
    return out


def _price(model: CatalogModel) -> MediaPrice:
    price = media_price(model.public.get("pricing_rows") or [], {}, ("audio-second",))
    if price is None:
        raise InvalidRequest(f"The model '{model.id}' lists no per-second price.", param="model")
    return price


def _source(file: Any) -> dict[str, Any]:
    """``audio``, ``path`` or ``url`` from the JSON ``file`` (or a multipart text part)."""
    value = str(file).strip()
    if value.startswith("bunny://"):
        return {"path": value}
    if value.startswith(("https://", "http://")):
        return {"url": value}
    match = _DATA_URL.match(value)
    if match is None:
        raise InvalidRequest("'file' must be a file part, a bunny:// path, an https:// URL or a base64 data: URL.",
                             param="file")
    try:
        audio = base64.b64decode(match.group(2), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise InvalidRequest("'file' holds invalid base64.", param="file") from exc
    if not audio:
        raise InvalidRequest("The file is empty.", param="file")
    return {"audio": audio}


class TranscriptionCodec:
    """Decode and encode ``/v1/audio/transcriptions``."""

    def decode(self, body: dict[str, Any], catalog: Catalog, *, multipart: bool = False,
               upload: bytes | None = None) -> TranscriptionRequest:
        """``body`` is the JSON object, or the coerced multipart fields (``multipart``) with ``upload`` the file
        part's bytes (``None`` when ``file`` is a text part)."""
        if multipart:
            request_schema(MULTIPART).check({**body, "file": "upload"} if upload is not None else body)
        else:
            request_schema("TranscriptionJsonRequest").check(body)
        model = resolve_model(catalog.get, body["model"], ENDPOINT)
        check_parameters(model, body, skip=_OWN)
        source = {"audio": upload} if upload is not None else _source(body["file"])
        temperature = body.get("temperature")
        return TranscriptionRequest(model=model, price=_price(model), language=body.get("language"),
                                    prompt=body.get("prompt"),
                                    temperature=float(temperature) if temperature is not None else None,
                                    raw=any(body.get(flag) is True for flag in RAW_FLAGS), **source)

    def restore(self, params: dict[str, Any], catalog: Catalog) -> TranscriptionRequest | None:
        """The request a stored job was made with (:meth:`TranscriptionRequest.params`), or ``None``."""
        model = catalog.get(str(params.get("model")))
        if model is None:
            return None
        return TranscriptionRequest(model=model, price=_price(model), language=params.get("language"),
                                    raw=bool(params.get("raw")))

    def with_audio(self, request: TranscriptionRequest, audio: bytes) -> TranscriptionRequest:
        return dataclasses.replace(request, audio=audio, path=None)

    def encode(self, request: TranscriptionRequest, transcript: Transcript) -> dict[str, Any]:
        cost = request.price.cost(transcript.duration)
        body: dict[str, Any] = {
            "text": transcript.text, "language": transcript.language,
            "duration_seconds": number(transcript.duration), "segments": transcript.segments,
            "words": transcript.words,
            "usage": {"cost": number(cost), "unit": "audio-second", "quantity": number(transcript.duration)},
        }
        if request.raw:
            body["raw"] = transcript.payload
        return body
