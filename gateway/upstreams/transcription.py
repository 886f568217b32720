"""The audio family's transcription adapter: an upstream job (D-115).

``POST /v1/transcriptions`` ``{model, audio (base64) | audio_url, language, prompt, temperature}`` submits
and answers the job's id; ``GET /v1/transcriptions/{id}`` is polled until ``completed`` (``error``: 502-class
``upstream_error``). A completed job without a ``text`` string and a non-negative ``duration`` is malformed and
fails the same way.
"""

from __future__ import annotations

import base64
from collections.abc import Awaitable, Callable
from typing import Any, Protocol

from gateway.config import Settings, Upstream
from gateway.errors import UpstreamError
from gateway.ir.transcription import Transcript, TranscriptionRequest
from gateway.upstreams.http import UpstreamHTTP
from gateway.upstreams.jobs import poll, scrubbed

__all__ = ["TranscriptionAdapter", "TranscriptionUpstream", "build_transcribers"]

_UNREADABLE = "The model provider returned an unreadable transcript."


class TranscriptionAdapter(Protocol):
    async def submit(self, request: TranscriptionRequest) -> str:
        """Start the upstream job; its id."""
        ...

    async def finish(self, request: TranscriptionRequest, ref: str, interval: float,
                     progress: Callable[[float], Awaitable[None]] | None = None) -> Transcript:
        """Wait for the upstream job ``ref``; its transcript."""
        ...


def _list(value: Any) -> list[dict[str, Any]]:
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


class TranscriptionUpstream:
    """One transcription-job upstream."""

    def __init__(self, http: UpstreamHTTP, upstream: Upstream) -> None:
        self.http, self.upstream = http, upstream
        self.headers = {"authorization": f"Bearer {upstream.api_key or 'unset'}"}

    def body(self, request: TranscriptionRequest) -> dict[str, Any]:
        out: dict[str, Any] = {"model": request.model.upstream_model}
        if request.audio is not None:
            out["audio"] = base64.b64encode(request.audio).decode("ascii")
        else:
            out["audio_url"] = request.url
        for name in ("language", "prompt", "temperature"):
            if getattr(request, name) is not None:
                out[name] = getattr(request, name)
        return out

    async def submit(self, request: TranscriptionRequest) -> str:
        answer = await self.http.post_json(self.upstream, "/v1/transcriptions", self.body(request), self.headers)
        ref = answer.get("id")
        if not isinstance(ref, str) or not ref or "/" in ref:
            raise UpstreamError("The model provider returned an unreadable answer.")
        return ref

    async def finish(self, request: TranscriptionRequest, ref: str, interval: float,
                     progress: Callable[[float], Awaitable[None]] | None = None) -> Transcript:
        state = await poll(lambda: self.http.get_json(self.upstream, f"/v1/transcriptions/{ref}", self.headers),
                           interval, done=frozenset({"completed"}), failed=frozenset({"error", "failed"}),
                           progress=progress)
        text, duration = state.get("text"), state.get("duration")
        if (not isinstance(text, str) or isinstance(duration, bool) or not isinstance(duration, (int, float))
                or duration < 0):
            raise UpstreamError(_UNREADABLE)
        language = state.get("language")
        return Transcript(text=text, duration=float(duration), language=language if isinstance(language, str) else None,
                          segments=_list(state.get("segments")), words=_list(state.get("words")),
                          payload=scrubbed(state))


def build_transcribers(settings: Settings, http: UpstreamHTTP) -> dict[str, TranscriptionAdapter]:
    """Every transcription-capable family's adapter (D-115)."""
    return {"audio": TranscriptionUpstream(http, settings.upstreams["audio"])}
