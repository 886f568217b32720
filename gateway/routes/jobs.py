"""``GET /v1/jobs/{job_id}`` (D-13): the account's job while retained; anything else — unknown, another
account's, past the hour — is 404 ``job_not_found``. Free and outside the generation budget (D-3): polling
never calls :func:`gateway.middleware.gate.admit`. :func:`accepted` is the 202 an asynchronous route answers."""

from __future__ import annotations

import json
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from gateway.errors import NotFound, shown
from gateway.formats.openai_responses.conversation import account_of
from gateway.state import state_of
from gateway.store.jobs import JobRecord

__all__ = ["accepted", "get_job", "polling_url"]


def _json(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(json.dumps(body, ensure_ascii=False), status_code=status, media_type="application/json",
                    headers=headers)


def polling_url(request: Request, job_id: str) -> str:
    """The absolute URL of the job, on the deployment's public origin (never the request's Host, D-69)."""
    return f"{state_of(request.scope).settings.origin}/v1/jobs/{job_id}"


def accepted(request: Request, record: JobRecord) -> Response:
    """202 ``JobAccepted``: the job, its ``job_id`` and ``polling_url`` (also the ``Location``)."""
    url = polling_url(request, record.id)
    return _json({**record.public(), "job_id": record.id, "polling_url": url}, 202, {"location": url})


async def get_job(request: Request) -> Response:
    state = state_of(request.scope)
    job_id = request.path_params["job_id"]
    record = state.jobs.jobs.get(account_of(request.scope), job_id, int(state.clock.now()))
    if record is None:
        raise NotFound(f"No job with id '{shown(job_id)}'.", code="job_not_found")
    return _json(record.public())
