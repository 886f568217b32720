"""The OpenAI speech format: ``POST /v1/audio/speech`` bytes → :class:`SpeechRequest` (D-87).

Decoding holds the body to the spec's ``SpeechRequest``, resolves the model on the endpoint (D-47), checks
the values against the model's ``supported_parameters`` and then against what the reference offers (D-87):
the voices in :data:`VOICES` (default :data:`DEFAULT_VOICE`) and the formats in :data:`FORMATS` (default
``wav``); the hosted-URL form (``include_b64_json``) is not served.
"""

from __future__ import annotations

from typing import Protocol

from gateway.catalog import Catalog
from gateway.errors import InvalidRequest
from gateway.formats.json_body import parse_json
from gateway.formats.parameters import check_parameters, resolve_model
from gateway.ir.speech import SpeechRequest
from gateway.schemas import request_schema

__all__ = ["DEFAULT_FORMAT", "DEFAULT_VOICE", "ENDPOINT", "FORMATS", "VOICES", "OpenAISpeech", "SpeechCodec"]

ENDPOINT = "/v1/audio/speech"
VOICES = ("alloy", "echo", "fable", "onyx", "nova", "shimmer")
DEFAULT_VOICE = "alloy"
FORMATS = {"wav": "audio/wav", "pcm": "audio/pcm"}
"""The formats the reference offers and each one's content type (D-87)."""
DEFAULT_FORMAT = "wav"
_OWN = frozenset({"model", "input", "voice", "response_format"})


class SpeechCodec(Protocol):
    def decode(self, raw: bytes, catalog: Catalog) -> SpeechRequest: ...


class OpenAISpeech:
    """The codec of ``/v1/audio/speech``."""

    def decode(self, raw: bytes, catalog: Catalog) -> SpeechRequest:
        body = parse_json(raw)
        request_schema("SpeechRequest").check(body)
        model = resolve_model(catalog.get, body["model"], ENDPOINT)
        check_parameters(model, body, skip=_OWN)
        voice = body.get("voice") or DEFAULT_VOICE
        if voice not in VOICES:
            raise InvalidRequest(f"'voice' must be one of: {', '.join(VOICES)}.", code="invalid_parameter",
                                 param="voice")
        fmt = body.get("response_format") or DEFAULT_FORMAT
        if fmt not in FORMATS:
            raise InvalidRequest(f"'response_format' must be one of: {', '.join(FORMATS)} on this deployment.",
                                 code="invalid_parameter", param="response_format")
        if body.get("include_b64_json"):
            raise InvalidRequest("'include_b64_json' is not supported: the answer is the audio itself.",
                                 code="unsupported_parameter", param="include_b64_json")
        speed = body.get("speed")
        return SpeechRequest(model=model, text=body["input"], voice=voice, response_format=fmt,
                             speed=float(speed) if speed is not None else 1.0)
