"""The media family's video generation, an upstream job in OpenAI's videos style.

``POST /v1/videos`` ``{model, prompt, duration, resolution, mode, generate_audio, ...}`` answers the queued
job ``{id: "video_…", object: "video", status, progress, seconds}``; ``GET /v1/videos/{id}`` its state
(``queued`` → ``in_progress`` → ``completed`` | ``failed`` with ``error``); ``GET /v1/videos/{id}/content``
the finished video: a real MP4 (:func:`mocks.video.mp4.mp4`) whose ``mvhd`` duration is the requested
``duration`` (default 5 s). Directives in ``prompt``: the usual faults apply to the submit call
(:mod:`mocks.faults`), job directives to the job (:mod:`mocks.jobs`: ``time``, ``fail``, ``hang``, and
``malformed``, whose content is not an MP4).
"""

from __future__ import annotations

import time
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from mocks.jobs import Job, JobBook, get_endpoint, job_options
from mocks.openai.dialect import OpenAIDialect
from mocks.provider import ApiError, Call, Family, dumps, endpoint
from mocks.video.mp4 import mp4
from mocks.wire import JSONDelivery

__all__ = ["DEFAULT_DURATION", "MODELS", "routes"]

MODELS = frozenset({"happyhorse-1.0", "wan2.6", "wan2.7", "amazon.nova-reel-v1:1", "seedance-2.0-fast",
                    "seedance-2.0-pro", "kling-o3", "kling-v3-motion-control", "moss-video-and-audio",
                    "pixverse-v5", "pixverse-v5.6", "hunyuan-video-1.5", "svi-2.0-pro"})
"""Upstream video models the mock generates with."""
DEFAULT_DURATION = 5.0
_STATUS = {"queued": "queued", "running": "in_progress", "completed": "completed", "failed": "failed"}


def _checked(body: dict[str, Any]) -> tuple[str, float]:
    if body.get("model") not in MODELS:
        raise ApiError(404, f"The model '{body.get('model')}' does not exist.", code="model_not_found", param="model")
    prompt = body.get("prompt")
    if not isinstance(prompt, str) or not prompt.strip():
        raise ApiError(400, "'prompt' must be a non-empty string.", param="prompt")
    duration = body.get("duration", DEFAULT_DURATION)
    if isinstance(duration, bool) or not isinstance(duration, (int, float)) or not 0 < duration <= 120:
        raise ApiError(400, "'duration' must be a number of seconds in (0, 120].", param="duration")
    return prompt, float(duration)


def _state(family: Family, job: Job) -> dict[str, Any]:
    status = job.status
    error = None
    if status == "failed":
        error = {"code": "generation_failed",
                 "message": f"The video could not be generated. {family.bait(job.id)}"}
    return {"id": job.id, "object": "video", "model": job.request["model"], "status": _STATUS[status],
            "progress": job.progress, "seconds": job.request["duration"], "created_at": int(time.time()),
            "error": error}


def routes(family: Family) -> list[Route]:
    dialect = OpenAIDialect()
    book = JobBook("video")

    async def submit(call: Call) -> Any:
        prompt, duration = _checked(call.body)
        prompt, options = job_options(prompt)
        clean, plan = call.plan(prompt)
        if plan.status:
            raise ApiError.injected(plan.status, plan)
        job = book.submit({**call.body, "prompt": clean.strip(), "duration": duration}, options)
        return JSONDelivery(dumps(_state(family, job)).encode(), 200, call.headers, plan)

    async def poll(request: Request, headers: dict[str, str]) -> Response:
        job = book.get(request.path_params["video_id"])
        return Response(dumps(_state(family, job)), media_type="application/json", headers=headers)

    async def content(request: Request, headers: dict[str, str]) -> Response:
        job = book.get(request.path_params["video_id"])
        if job.status != "completed":
            raise ApiError(409, f"The video '{job.id}' is not ready.", code="not_ready")
        if job.options.outcome == "malformed":
            return Response(b"<html><body>not a video</body></html>", media_type="video/mp4", headers=headers)
        return Response(mp4(job.request["duration"], job.request["prompt"]), media_type="video/mp4",
                        headers=headers)

    return [Route("/v1/videos", endpoint(family, dialect, dialect.authenticate, submit), methods=["POST"]),
            Route("/v1/videos/{video_id}", get_endpoint(family, dialect, dialect.authenticate, poll, book),
                  methods=["GET"]),
            Route("/v1/videos/{video_id}/content", get_endpoint(family, dialect, dialect.authenticate, content, book),
                  methods=["GET"])]
