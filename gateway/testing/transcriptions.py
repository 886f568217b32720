"""Defects of ``POST /v1/audio/transcriptions`` (D-115, D-116): any model served, values outside the schema
forwarded, no admission, billed per second at the per-minute rate, ``raw`` ignored, the duration reported in
minutes, a file part held to the JSON body limit, an uploaded file's bytes not read.

Seams: the transcription codec (``state.transcription_codec``), the credit gate (``state.credit_check``, for
this path only) and a layer of the ASGI stack (the body limit).
"""

from __future__ import annotations

import dataclasses
from decimal import Decimal
from typing import Any

from starlette.types import ASGIApp, Receive, Scope, Send

from gateway.catalog import Catalog
from gateway.errors import InvalidRequest, RequestTooLarge
from gateway.formats.transcriptions import ENDPOINT, TranscriptionCodec
from gateway.ir.transcription import Transcript, TranscriptionRequest
from gateway.middleware.errors import send_error
from gateway.state import GatewayState, state_of
from gateway.testing.asgi import layer
from gateway.testing.registry import ActiveDefects, defect
from gateway.testing.videos import serving_catalog, skipping_credits

__all__ = ["install"]

MODEL_UNCHECKED = defect("transcriptions_model_unchecked",
                         "an unknown model is 404 and a model not serving the endpoint 400 (D-115)")
VALUES_UNCHECKED = defect("transcriptions_values_unchecked",
                          "a value outside the schema or supported_parameters is 400 naming it (D-115)")
NOT_ADMITTED = defect("transcriptions_not_admitted", "a transcription of an account without credits is 402")
BILLED_PER_SECOND = defect("transcriptions_billed_per_second",
                           "a per-minute rate is charged per minute of audio: rate / 60 × seconds (D-115)")
RAW_IGNORED = defect("transcriptions_raw_ignored", "disable_formatting adds raw to the result (D-116)")
DURATION_IN_MINUTES = defect("transcriptions_duration_in_minutes",
                             "duration_seconds is the length of the file in seconds (D-115)")
JSON_BODY_LIMIT = defect("transcriptions_json_body_limit",
                         "a file part is capped at the upload cap, not the JSON body limit (D-115)")
UPLOAD_UNREAD = defect("transcriptions_upload_unread",
                       "a bunny:// path of the account's upload is transcribed from that file (D-115)")
_FORWARDED = frozenset({"temperature", "response_format", "timestamp_granularities"})


class _Codec(TranscriptionCodec):
    def __init__(self, inner: TranscriptionCodec, active: ActiveDefects) -> None:
        self.inner, self.active = inner, active

    def decode(self, body: dict[str, Any], catalog: Catalog, *, multipart: bool = False,
               upload: bytes | None = None) -> TranscriptionRequest:
        if self.active.on(MODEL_UNCHECKED.name):
            catalog = serving_catalog(catalog, ENDPOINT)
        try:
            request = self.inner.decode(body, catalog, multipart=multipart, upload=upload)
        except InvalidRequest as error:
            name = str(error.param or "").split("[")[0]
            if not self.active.on(VALUES_UNCHECKED.name) or name not in _FORWARDED:
                raise
            request = self.inner.decode({k: v for k, v in body.items() if k != name}, catalog,
                                        multipart=multipart, upload=upload)
        if self.active.on(BILLED_PER_SECOND.name):
            request = dataclasses.replace(request, price=dataclasses.replace(request.price, per=Decimal(1)))
        if self.active.on(RAW_IGNORED.name):
            request = dataclasses.replace(request, raw=False)
        return request

    def restore(self, params: dict[str, Any], catalog: Catalog) -> TranscriptionRequest | None:
        return self.inner.restore(params, catalog)

    def with_audio(self, request: TranscriptionRequest, audio: bytes) -> TranscriptionRequest:
        return request if self.active.on(UPLOAD_UNREAD.name) else self.inner.with_audio(request, audio)

    def encode(self, request: TranscriptionRequest, transcript: Transcript) -> dict[str, Any]:
        body = self.inner.encode(request, transcript)
        if self.active.on(DURATION_IN_MINUTES.name):
            body["duration_seconds"] = round(transcript.duration / 60, 3)
        return body


@layer(JSON_BODY_LIMIT, at="guarded")
def _json_body_limit(app: ASGIApp) -> ASGIApp:
    async def limited(scope: Scope, receive: Receive, send: Send) -> None:
        limit = state_of(scope).settings.max_body_bytes
        declared = dict(scope["headers"]).get(b"content-length", b"")
        if scope["path"] == ENDPOINT and declared.isdigit() and int(declared) > limit:
            await send_error(RequestTooLarge(f"The request body exceeds the limit of {limit} bytes."), scope,
                             receive, send)
            return
        await app(scope, receive, send)

    return limited


def install(state: GatewayState, active: ActiveDefects) -> None:
    """Wrap the transcription codec and the credit gate (for this path only)."""
    state.credit_check = skipping_credits(state.credit_check, active, NOT_ADMITTED.name, ENDPOINT)
    state.transcription_codec = _Codec(state.transcription_codec, active)
