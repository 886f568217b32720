"""``POST /v1/images/generations`` (D-9, D-107 – D-110): decode (spec + catalog) → admit → a job whose work
is the media family's adapter → the images published as signed media URLs (D-90) → the
``ImageGenerationResponse`` as the job's result, charged on completion at the selected price row (D-89,
D-108). Without ``async`` the request waits for the job (200); with it the answer is 202 ``JobAccepted``.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from gateway.errors import ModelUnavailable
from gateway.formats.openai_images import ImageCodec
from gateway.ir.images import ImagePrice, ImageRequest
from gateway.jobs import JobContext, JobOutcome, Work
from gateway.middleware.credits import take_hold
from gateway.middleware.gate import admit
from gateway.routes.generate import require_json
from gateway.routes.jobs import answer_job
from gateway.routes.testmode import maybe_fail
from gateway.state import GatewayState, state_of
from gateway.upstreams.images import ImageAdapter
from gateway.usage import record_usage

__all__ = ["JOB_TYPE", "create_image", "image_work"]

JOB_TYPE = "image_generation"


def image_work(state: GatewayState, codec: ImageCodec, adapter: ImageAdapter, image: ImageRequest,
               price: ImagePrice, account_id: str) -> Work:
    """The job: generate, publish every image under the account, encode the answer, cost it."""

    async def work(context: JobContext) -> JobOutcome:
        await context.running()
        result = await adapter.generate(image)
        urls = [await state.media.publish(account_id, generated.png, "image/png", f"image-{i + 1}.png")
                for i, generated in enumerate(result.images)]
        body = codec.encode(image, result, context.job_id, urls, price)
        return JobOutcome(body, price.cost(len(result.images)))

    return work


async def create_image(request: Request) -> Response:
    state = state_of(request.scope)
    maybe_fail(request)
    require_json(request)
    codec = state.image_codec
    image = codec.decode(await request.body(), state.catalog)
    record_usage(request.scope, model=image.model.id, units={"image": image.n})
    adapter = state.imagers.get(image.model.upstream_family)
    if adapter is None:
        raise ModelUnavailable(f"The model '{image.model.id}' is not available on this deployment.")
    price = codec.price(image)
    await admit(request.scope, cost=price.cost(image.n))  # the unit count times its row (D-180)
    account_id = request.scope["state"]["auth"].account_id
    work = image_work(state, codec, adapter, image, price, account_id)
    record = await state.jobs.submit(account_id, JOB_TYPE, image.model.id, work,
                               params={"size": image.size, "n": image.n, "quality": image.quality},
                               hold=take_hold(request.scope))
    return await answer_job(request, record, wait=image.wait)
