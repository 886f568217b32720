"""The audio family: OpenAI-style ``POST /v1/audio/speech`` (also ``/audio/speech``), answering audio bytes,
and transcription as an upstream job (:mod:`mocks.audio.transcription`).

The audio is a real WAV file (RIFF, PCM16 mono at :data:`RATE` Hz, written with :mod:`wave`), or the same
samples headerless for ``response_format: pcm``; its length is proportional to the text with its directives
removed (:data:`SECONDS_PER_CHAR`). Usage is reported in the ``x-usage-input-tokens`` (the text's tokens,
:func:`mocks.text.count_tokens`) and ``x-usage-output-tokens`` (:data:`TOKENS_PER_SECOND` of audio) headers
(D-88). Directives in ``input`` apply as on every mock (``status``, ``latency``, ``hang``, ``malformed``
halves the body, ``cut`` drops the connection midway).
"""

from __future__ import annotations

import io
import math
import struct
import wave
from typing import Any

from starlette.routing import Route

from mocks.audio import transcription
from mocks.openai.dialect import OpenAIDialect
from mocks.provider import ApiError, Call, Family, endpoint
from mocks.text import count_tokens
from mocks.wire import JSONDelivery

__all__ = ["FORMATS", "MODELS", "RATE", "SECONDS_PER_CHAR", "TOKENS_PER_SECOND", "VOICES", "routes", "samples",
           "wav"]

MODELS = frozenset({"gemini-2.5-flash-preview-tts", "gemini-2.5-pro-preview-tts", "gemini-3.1-flash-tts",
                    "soulx-podcast", "stable-audio-2.0", "stable-audio-2.5", "glm-tts"})
"""Upstream models the mock speaks with."""
VOICES = frozenset({"alloy", "echo", "fable", "onyx", "nova", "shimmer"})
FORMATS = {"wav": "audio/wav", "pcm": "audio/pcm"}
RATE = 24000
SECONDS_PER_CHAR = 0.05
TOKENS_PER_SECOND = 25


def samples(text: str, speed: float = 1.0) -> bytes:
    """PCM16 little-endian mono samples: a tone whose length is proportional to ``text`` (at least 0.1 s)."""
    frames = max(int(RATE * SECONDS_PER_CHAR * len(text) / speed), RATE // 10)
    pitch = 180 + sum(text.encode()) % 200
    return b"".join(struct.pack("<h", int(8000 * math.sin(2 * math.pi * pitch * i / RATE))) for i in range(frames))


def wav(pcm: bytes) -> bytes:
    """``pcm`` (PCM16 mono at :data:`RATE`) in a RIFF/WAVE container."""
    out = io.BytesIO()
    with wave.open(out, "wb") as file:
        file.setnchannels(1)
        file.setsampwidth(2)
        file.setframerate(RATE)
        file.writeframes(pcm)
    return out.getvalue()


def _checked(body: dict[str, Any]) -> tuple[str, str, float]:
    if body.get("model") not in MODELS:
        raise ApiError(404, f"The model '{body.get('model')}' does not exist.", code="model_not_found", param="model")
    text = body.get("input")
    if not isinstance(text, str) or not text:
        raise ApiError(400, "'input' must be a non-empty string.", param="input")
    if body.get("voice", "alloy") not in VOICES:
        raise ApiError(400, f"'voice' must be one of: {', '.join(sorted(VOICES))}.", param="voice")
    fmt = body.get("response_format", "wav")
    if fmt not in FORMATS:
        raise ApiError(400, f"'response_format' must be one of: {', '.join(FORMATS)}.", param="response_format")
    speed = body.get("speed", 1.0)
    if isinstance(speed, bool) or not isinstance(speed, (int, float)) or not 0.25 <= speed <= 4:
        raise ApiError(400, "'speed' must be between 0.25 and 4.", param="speed")
    return text, str(fmt), float(speed)


def routes(family: Family) -> list[Route]:
    dialect = OpenAIDialect()

    async def handle(call: Call) -> Any:
        text, fmt, speed = _checked(call.body)
        clean, plan = call.plan(text)
        if plan.status:
            raise ApiError.injected(plan.status, plan)
        pcm = samples(clean.strip() or text, speed)
        seconds = len(pcm) / 2 / RATE
        headers = {**call.headers, "x-usage-input-tokens": str(count_tokens(text)),
                   "x-usage-output-tokens": str(math.ceil(seconds * TOKENS_PER_SECOND))}
        return JSONDelivery(wav(pcm) if fmt == "wav" else pcm, 200, headers, plan, content_type=FORMATS[fmt])

    run = endpoint(family, dialect, dialect.authenticate, handle)
    return [Route("/v1/audio/speech", run, methods=["POST"]), Route("/audio/speech", run, methods=["POST"]),
            *transcription.routes(family)]
