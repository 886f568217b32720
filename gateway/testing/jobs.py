"""Defects of jobs (D-9, D-13, D-89, D-112): ``async`` ignored on images, another account's job visible,
retention not enforced or too short, sequential ids, polling counted against the generation budget, a failed
job's error not in the envelope.

Seams: the image codec (``state.image_codec``: the request's ``wait``), the job store (``state.jobs.jobs``:
which account and which moment a read is for, what a failed job stores), the runner's id source
(``state.jobs.new_id``) and a layer in front of ``GET /v1/jobs/{job_id}`` (the rate limiter).
"""

from __future__ import annotations

import dataclasses
import itertools
from typing import Any

from starlette.types import ASGIApp, Receive, Scope, Send

from gateway.catalog import Catalog
from gateway.errors import GatewayError
from gateway.formats.openai_images import ImageCodec
from gateway.ir.images import ImagePrice, ImageRequest, ImageResult
from gateway.middleware.errors import send_error
from gateway.middleware.gate import admit
from gateway.state import GatewayState
from gateway.store.jobs import JobRecord, JobStore
from gateway.testing.asgi import layer
from gateway.testing.registry import ActiveDefects, defect

__all__ = ["install"]

ASYNC_IGNORED = defect("images_async_ignored", "async: true answers 202 JobAccepted (D-9)")
FOREIGN_VISIBLE = defect("jobs_foreign_visible", "another account's job is 404 (D-13)")
RETENTION_NOT_ENFORCED = defect(
    "job_retention_not_enforced", "a job is 404 job_not_found once its hour after completion is over (D-13, D-91)")
RETENTION_SHORT = defect("job_retention_short", "a finished job stays readable for the hour after completion (D-13)")
IDS_SEQUENTIAL = defect("job_ids_sequential", "job ids carry at least 128 random bits, never a counter (D-112)")
POLL_COUNTED = defect(
    "job_poll_counted", "polling GET /v1/jobs/{job_id} is outside the generation budget (D-3, D-89, D-132)")
FAILURE_UNSHAPED = defect(
    "job_failure_unshaped", "a failed job carries its error as an OpenAI error body (D-13, D-89)")

_SHORT_RETENTION = 60


class _Codec:
    def __init__(self, inner: ImageCodec, active: ActiveDefects) -> None:
        self.inner, self.active = inner, active

    def decode(self, raw: bytes, catalog: Catalog) -> ImageRequest:
        request = self.inner.decode(raw, catalog)
        return dataclasses.replace(request, wait=True) if self.active.on(ASYNC_IGNORED.name) else request

    def price(self, request: ImageRequest) -> ImagePrice:
        return self.inner.price(request)

    def encode(self, request: ImageRequest, result: ImageResult, job_id: str, urls: list[str],
               price: ImagePrice) -> dict[str, Any]:
        return self.inner.encode(request, result, job_id, urls, price)


class _Store:
    """The job store, remembering each job's owner so a read can ignore the account asking."""

    def __init__(self, inner: JobStore, active: ActiveDefects) -> None:
        self.inner, self.active = inner, active
        self.owners: dict[str, str] = {}

    async def put(self, record: JobRecord) -> None:
        self.owners[record.id] = record.account_id
        if self.active.on(FAILURE_UNSHAPED.name) and record.error is not None:
            record = record.but(error={"detail": record.error.get("message"), "status": "failed"})
        await self.inner.put(record)

    async def get(self, account_id: str, job_id: str, now: int) -> JobRecord | None:
        if self.active.on(FOREIGN_VISIBLE.name):
            account_id = self.owners.get(job_id, account_id)
        found = await self.inner.get(account_id, job_id, 0 if self.active.on(RETENTION_NOT_ENFORCED.name) else now)
        if found is not None and found.completed_at is not None and self.active.on(RETENTION_SHORT.name) \
                and now >= found.completed_at + _SHORT_RETENTION:
            return None
        return found

    async def unfinished(self) -> list[JobRecord]:
        return await self.inner.unfinished()

    async def purge(self, now: int) -> int:
        return 0 if self.active.on(RETENTION_NOT_ENFORCED.name) else await self.inner.purge(now)


@layer(POLL_COUNTED, at="authenticated")
def _poll_counted(app: ASGIApp) -> ASGIApp:
    async def counted(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "GET" and scope["path"].startswith("/v1/jobs/") \
                and scope.get("state", {}).get("auth") is not None:
            try:
                await admit(scope)
            except GatewayError as error:
                await send_error(error, scope, receive, send)
                return
        await app(scope, receive, send)

    return counted


def install(state: GatewayState, active: ActiveDefects) -> None:
    """Wrap the image codec, the job store (the sweeper's too) and the runner's id source."""
    state.image_codec = _Codec(state.image_codec, active)
    store = _Store(state.jobs.jobs, active)
    state.jobs.jobs = state.sweeper.jobs = store
    random_id, counter = state.jobs.new_id, itertools.count(1)

    def new_id() -> str:
        return f"job_{next(counter):024d}" if active.on(IDS_SEQUENTIAL.name) else random_id()

    state.jobs.new_id = new_id
