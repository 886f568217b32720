"""The media family's video adapter: an upstream job in OpenAI's videos style (D-114).

``POST /v1/videos`` submits and answers the job's id; ``GET /v1/videos/{id}`` is polled until
``completed`` (or ``failed``: 502-class ``upstream_error``); ``GET /v1/videos/{id}/content`` is the video,
which must be an MP4 whose ``mvhd`` lasts the requested seconds (±0.5 s), else the job fails the same way.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, Protocol

from gateway.config import Settings, Upstream
from gateway.errors import UpstreamError
from gateway.ir.video import VideoRequest, VideoResult
from gateway.media.mp4 import mp4_seconds
from gateway.upstreams.http import UpstreamHTTP
from gateway.upstreams.jobs import poll, scrubbed

__all__ = ["TOLERANCE", "VideoAdapter", "VideoUpstream", "build_videos"]

TOLERANCE = 0.5
_UNREADABLE = "The model provider returned an unreadable video."


class VideoAdapter(Protocol):
    async def submit(self, request: VideoRequest) -> str:
        """Start the upstream job; its id."""
        ...

    async def finish(self, request: VideoRequest, ref: str, interval: float,
                     progress: Callable[[float], Awaitable[None]] | None = None) -> VideoResult:
        """Wait for the upstream job ``ref`` and fetch its video."""
        ...


class VideoUpstream:
    """One OpenAI-videos-style upstream."""

    def __init__(self, http: UpstreamHTTP, upstream: Upstream) -> None:
        self.http, self.upstream = http, upstream
        self.headers = {"authorization": f"Bearer {upstream.api_key or 'unset'}"}

    def body(self, request: VideoRequest) -> dict[str, Any]:
        return {**request.options, "model": request.model.upstream_model, "prompt": request.prompt,
                "duration": request.duration}

    async def submit(self, request: VideoRequest) -> str:
        answer = await self.http.post_json(self.upstream, "/v1/videos", self.body(request), self.headers)
        ref = answer.get("id")
        if not isinstance(ref, str) or not ref or "/" in ref:
            raise UpstreamError("The model provider returned an unreadable answer.")
        return ref

    async def finish(self, request: VideoRequest, ref: str, interval: float,
                     progress: Callable[[float], Awaitable[None]] | None = None) -> VideoResult:
        path = f"/v1/videos/{ref}"
        state = await poll(lambda: self.http.get_json(self.upstream, path, self.headers), interval,
                           done=frozenset({"completed"}), failed=frozenset({"failed", "cancelled", "expired"}),
                           progress=progress)
        video, _ = await self.http.get_bytes(self.upstream, f"{path}/content", self.headers)
        try:
            seconds = mp4_seconds(video)
        except ValueError as exc:
            raise UpstreamError(_UNREADABLE) from exc
        if abs(seconds - request.duration) > TOLERANCE:
            raise UpstreamError(_UNREADABLE)
        return VideoResult(video=video, seconds=seconds, payload=scrubbed(state))


def build_videos(settings: Settings, http: UpstreamHTTP) -> dict[str, VideoAdapter]:
    """Every video-capable family's adapter (D-114)."""
    return {"media": VideoUpstream(http, settings.upstreams["media"])}
