"""The audio family's adapter: an OpenAI-style ``POST /v1/audio/speech`` upstream answering audio bytes
(D-87, D-88).

The answer must carry the asked format's content type, and a WAV answer must decode as one (RIFF header,
at least one frame, as long as its header says), else 502: a truncated or mislabelled answer never reaches
the client. Usage is read from the upstream's ``x-usage-input-tokens`` / ``x-usage-output-tokens``.
"""

from __future__ import annotations

import io
import wave
from typing import Any, Protocol

from gateway.config import Upstream
from gateway.errors import UpstreamError
from gateway.formats.openai_speech import FORMATS
from gateway.ir.speech import SpeechRequest, SpeechResult
from gateway.upstreams.http import UpstreamHTTP

__all__ = ["SpeechAdapter", "SpeechUpstream", "wav_frames"]

PATH = "/v1/audio/speech"
_UNREADABLE = "The model provider returned an unreadable answer."


class SpeechAdapter(Protocol):
    async def speak(self, request: SpeechRequest) -> SpeechResult: ...


def wav_frames(audio: bytes) -> int:
    """The number of frames of a complete WAV file; :class:`ValueError` when it is not one."""
    try:
        with wave.open(io.BytesIO(audio), "rb") as file:
            frames = file.getnframes()
            data = file.readframes(frames)
            if frames <= 0 or len(data) != frames * file.getnchannels() * file.getsampwidth():
                raise ValueError("incomplete WAV data")
            return frames
    except (wave.Error, EOFError) as exc:
        raise ValueError(str(exc)) from exc


def _count(headers: Any, name: str) -> int:
    value = headers.get(name)
    return int(value) if value is not None and str(value).isdigit() else 0


class SpeechUpstream:
    """One OpenAI-style speech upstream."""

    def __init__(self, http: UpstreamHTTP, upstream: Upstream) -> None:
        self.http, self.upstream = http, upstream
        self.headers = {"authorization": f"Bearer {upstream.api_key or 'unset'}"}

    def body(self, request: SpeechRequest) -> dict[str, Any]:
        out: dict[str, Any] = {"model": request.model.upstream_model, "input": request.text, "voice": request.voice,
                               "response_format": request.response_format}
        if request.speed != 1.0:
            out["speed"] = request.speed
        return out

    async def speak(self, request: SpeechRequest) -> SpeechResult:
        audio, content_type, headers = await self.http.post_bytes(self.upstream, PATH, self.body(request),
                                                                  self.headers)
        expected = FORMATS[request.response_format]
        if content_type.split(";", 1)[0].strip().lower() != expected or not audio:
            raise UpstreamError(_UNREADABLE)
        if request.response_format == "wav":
            try:
                wav_frames(audio)
            except ValueError as exc:
                raise UpstreamError(_UNREADABLE) from exc
        elif len(audio) % 2:
            raise UpstreamError(_UNREADABLE)
        return SpeechResult(audio=audio, content_type=expected, input_tokens=_count(headers, "x-usage-input-tokens"),
                            output_tokens=_count(headers, "x-usage-output-tokens"))
