"""Defects of ``POST /v1/audio/speech`` (D-87, D-88): the wrong content type, truncated audio, the input cut
short, a chat or unknown model served, an unoffered voice or format forwarded, not charged, not admitted,
upstream failures untranslated.

Seams: the speech codec (``state.speech_codec``: the catalog a decode resolves the model in, the error a
decode raises, the request it returns), each speech adapter (``state.speakers``: the request it sends, the
result it returns, the error it raises), and the credit gate (``state.credit_check``) for this path only.
"""

from __future__ import annotations

import dataclasses
import json
from typing import Any

from gateway.catalog import Catalog, CatalogModel
from gateway.errors import InvalidRequest, UpstreamError
from gateway.formats.openai_speech import ENDPOINT, SpeechCodec
from gateway.ir.speech import SpeechRequest, SpeechResult
from gateway.state import GatewayState
from gateway.testing.registry import ActiveDefects, defect
from gateway.testing.videos import skipping_credits
from gateway.upstreams.speech import SpeechAdapter

__all__ = ["install"]

WRONG_CONTENT_TYPE = defect("speech_wrong_content_type",
                            "a speech answer has its format's content type (openai:audio-speech)")
AUDIO_TRUNCATED = defect("speech_audio_truncated", "a speech answer is a whole audio file (openai:audio-speech)")
INPUT_TRUNCATED = defect("speech_input_truncated", "the audio speaks the whole input (D-87)")
NON_TTS_MODEL_ACCEPTED = defect("speech_non_tts_model_accepted",
                                "a model not listing /v1/audio/speech is 400 model_not_supported_on_endpoint")
UNKNOWN_MODEL_SERVED = defect("speech_unknown_model_served", "an unknown model is 404 model_not_found (D-47)")
VOICE_UNCHECKED = defect("speech_voice_unchecked", "an unoffered voice is 400 naming voice, never sent upstream")
FORMAT_UNCHECKED = defect("speech_format_unchecked",
                          "an unoffered response_format is 400 naming it, never sent upstream (D-87)")
NOT_CHARGED = defect("speech_not_charged", "speech is billed at the catalog price (D-88)")
NOT_ADMITTED = defect("speech_not_admitted", "a speech request of an account without credits is 402")
UPSTREAM_UNTRANSLATED = defect("speech_upstream_untranslated", "an upstream failure is 502 upstream_error")

_FORWARDED = {VOICE_UNCHECKED.name: "voice", FORMAT_UNCHECKED.name: "response_format"}


def _every_model_speaks(catalog: Catalog) -> Catalog:
    models = {k: dataclasses.replace(m, public={**m.public, "endpoints": [*m.public["endpoints"], ENDPOINT]})
              for k, m in catalog.models.items()}
    return dataclasses.replace(catalog, models=models)


class _FallbackCatalog(Catalog):
    """A catalog answering an unknown id with its first speech model."""

    def get(self, model_id: str) -> CatalogModel | None:
        return self.models.get(model_id) or next(
            m for m in self.models.values() if ENDPOINT in m.public["endpoints"] and m.available)


class _Codec:
    def __init__(self, inner: SpeechCodec, active: ActiveDefects) -> None:
        self.inner, self.active = inner, active

    def decode(self, raw: bytes, catalog: Catalog) -> SpeechRequest:
        if self.active.on(NON_TTS_MODEL_ACCEPTED.name):
            catalog = _every_model_speaks(catalog)
        if self.active.on(UNKNOWN_MODEL_SERVED.name):
            catalog = _FallbackCatalog(**{f.name: getattr(catalog, f.name) for f in dataclasses.fields(catalog)})
        try:
            request = self.inner.decode(raw, catalog)
        except InvalidRequest as error:
            forwarded = [p for name, p in _FORWARDED.items() if self.active.on(name) and error.param == p]
            if not forwarded:
                raise
            body: dict[str, Any] = json.loads(raw)
            value = body.pop(forwarded[0])
            request = dataclasses.replace(self.inner.decode(json.dumps(body).encode(), catalog),
                                          **{"voice" if forwarded[0] == "voice" else "response_format": value})
        if self.active.on(NOT_CHARGED.name):
            unpriced = {**request.model.public, "pricing_rows": []}
            request = dataclasses.replace(request, model=dataclasses.replace(request.model, public=unpriced,
                                                                             _priced={}))
        return request


class _Adapter:
    def __init__(self, inner: SpeechAdapter, active: ActiveDefects) -> None:
        self.inner, self.active = inner, active

    async def speak(self, request: SpeechRequest) -> SpeechResult:
        if self.active.on(INPUT_TRUNCATED.name):
            request = dataclasses.replace(request, text=request.text[:3])
        try:
            result = await self.inner.speak(request)
        except UpstreamError as error:
            if self.active.on(UPSTREAM_UNTRANSLATED.name):
                raise RuntimeError("speech upstream failed") from error
            raise
        except KeyError as error:
            raise UpstreamError("The model provider returned an unreadable answer.") from error
        if self.active.on(WRONG_CONTENT_TYPE.name):
            result = dataclasses.replace(result, content_type="application/octet-stream")
        if self.active.on(AUDIO_TRUNCATED.name):
            result = dataclasses.replace(result, audio=result.audio[: len(result.audio) // 2])
        return result



def install(state: GatewayState, active: ActiveDefects) -> None:
    """Wrap the speech codec, every speech adapter and the credit gate (for this path only)."""
    state.credit_check = skipping_credits(state.credit_check, active, NOT_ADMITTED.name, ENDPOINT)
    state.speech_codec = _Codec(state.speech_codec, active)
    state.speakers = {family: _Adapter(adapter, active) for family, adapter in state.speakers.items()}
