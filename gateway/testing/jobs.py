"""Defects of jobs (D-9, D-13): ``async`` ignored on images, another account's job visible.

Seams: the image codec (``state.image_codec``: the request's ``wait``) and the job store
(``state.jobs.jobs``: which account a read is for).
"""

from __future__ import annotations

import dataclasses
from typing import Any

from gateway.catalog import Catalog
from gateway.formats.openai_images import ImageCodec
from gateway.ir.images import ImagePrice, ImageRequest, ImageResult
from gateway.state import GatewayState
from gateway.store.jobs import JobRecord, JobStore
from gateway.testing.registry import ActiveDefects, defect

__all__ = ["install"]

ASYNC_IGNORED = defect("images_async_ignored", "async: true answers 202 JobAccepted (D-9)")
FOREIGN_VISIBLE = defect("jobs_foreign_visible", "another account's job is 404 (D-13)")


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

    def put(self, record: JobRecord) -> None:
        self.owners[record.id] = record.account_id
        self.inner.put(record)

    def get(self, account_id: str, job_id: str, now: int) -> JobRecord | None:
        if self.active.on(FOREIGN_VISIBLE.name):
            account_id = self.owners.get(job_id, account_id)
        return self.inner.get(account_id, job_id, now)

    def unfinished(self) -> list[JobRecord]:
        return self.inner.unfinished()

    def purge(self, now: int) -> int:
        return self.inner.purge(now)


def install(state: GatewayState, active: ActiveDefects) -> None:
    """Wrap the image codec and the job store."""
    state.image_codec = _Codec(state.image_codec, active)
    state.jobs.jobs = _Store(state.jobs.jobs, active)
