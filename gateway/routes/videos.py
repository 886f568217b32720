"""``POST /v1/videos/generations`` (D-113, D-114): decode (spec + catalog, the price row) → media inputs
resolved → admit → a ``video_generation`` job → 202. The job submits the upstream job, records its id, polls
it, publishes the MP4 as signed media and completes at the selected price; :func:`resumer` continues it
after a restart from the recorded id.
"""

from __future__ import annotations

import dataclasses

from starlette.requests import Request
from starlette.responses import Response

from gateway.errors import ModelUnavailable
from gateway.formats.openai_responses.conversation import account_of
from gateway.formats.videos import MEDIA_INPUTS
from gateway.ir.video import VideoRequest
from gateway.jobs import JobContext, JobOutcome, Resume, Work
from gateway.middleware.credits import take_hold
from gateway.middleware.gate import admit
from gateway.routes.generate import require_json
from gateway.routes.jobs import accepted
from gateway.routes.media_inputs import stored_data_url
from gateway.routes.testmode import maybe_fail
from gateway.state import GatewayState, state_of
from gateway.store.jobs import JobRecord
from gateway.upstreams.video import VideoAdapter
from gateway.usage import record_usage

__all__ = ["JOB_TYPE", "create_video", "resumer"]

JOB_TYPE = "video_generation"


def _work(state: GatewayState, adapter: VideoAdapter, video: VideoRequest, account_id: str,
          ref: str | None = None) -> Work:
    async def work(context: JobContext) -> JobOutcome:
        upstream_ref = ref
        if upstream_ref is None:
            upstream_ref = await adapter.submit(video)
            await context.remember(upstream_ref)
        await context.running()
        result = await adapter.finish(video, upstream_ref, state.settings.job_poll_interval, context.progress)
        url = await state.media.publish(account_id, result.video, "video/mp4", "video.mp4")
        body = state.video_codec.encode(video, url, result)
        return JobOutcome(body, video.price.cost(video.duration))

    return work


async def _resolved(state: GatewayState, video: VideoRequest, account_id: str) -> VideoRequest:
    options = dict(video.options)
    for name in MEDIA_INPUTS:
        value = options.get(name)
        if isinstance(value, str) and value.startswith("bunny://"):
            options[name] = await stored_data_url(state.files, account_id, value, int(state.clock.now()), name, name)
    return dataclasses.replace(video, options=options)


async def create_video(request: Request) -> Response:
    state = state_of(request.scope)
    maybe_fail(request)
    require_json(request)
    video = state.video_codec.decode(await request.body(), state.catalog)
    record_usage(request.scope, model=video.model.id)
    adapter = state.videos.get(video.model.upstream_family)
    if adapter is None:
        raise ModelUnavailable(f"The model '{video.model.id}' is not available on this deployment.")
    account_id = account_of(request.scope)
    video = await _resolved(state, video, account_id)
    await admit(request.scope, cost=video.price.cost(video.duration))  # its seconds times its row (D-180)
    record = await state.jobs.submit(account_id, JOB_TYPE, video.model.id, _work(state, adapter, video, account_id),
                                     params=video.params(), hold=take_hold(request.scope))
    return accepted(request, record)


def resumer(state: GatewayState) -> Resume:
    """How a restarted gateway continues a video job: poll its recorded upstream job."""

    def resume(record: JobRecord) -> Work | None:
        video = state.video_codec.restore(record.params, state.catalog)
        adapter = state.videos.get(video.model.upstream_family) if video is not None else None
        if video is None or adapter is None or record.upstream_ref is None:
            return None
        return _work(state, adapter, video, record.account_id, record.upstream_ref)

    return resume
