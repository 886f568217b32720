"""``GET /v1/jobs/{job_id}`` (D-13): the account's job while retained; anything else — unknown, another
account's, past the hour — is 404 ``job_not_found``. Free and outside the generation budget (D-3): polling
never calls :func:`gateway.middleware.gate.admit`. :func:`accepted` is the 202 an asynchronous route answers;
:func:`answer_job` is how a job-backed endpoint that may also wait (images, D-9, D-110) answers."""

from __future__ import annotations

import json
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from gateway.errors import GatewayError, NotFound, UpstreamError, shown
from gateway.formats.openai_responses.conversation import account_of
from gateway.routes.generate import CLIENT_CLOSED
from gateway.routes.metering import while_connected
from gateway.routes.testmode import maybe_fail
from gateway.state import state_of
from gateway.store.jobs import JobRecord
from gateway.usage import note_result_cost

__all__ = ["accepted", "answer_job", "get_job", "job_error", "polling_url"]


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
    maybe_fail(request)
    state = state_of(request.scope)
    job_id = request.path_params["job_id"]
    record = await state.jobs.jobs.get(account_of(request.scope), job_id, int(state.clock.now()))
    if record is None:
        raise NotFound(f"No job with id '{shown(job_id)}'.", code="job_not_found")
    return _json(record.public())


_STATUS_BY_TYPE = {"invalid_request_error": 400, "authentication_error": 401, "billing_error": 402,
                   "permission_error": 403, "not_found_error": 404, "rate_limit_error": 429}
_STATUS_BY_CODE = {"upstream_error": 502, "model_unavailable": 503}


def job_error(error: dict[str, Any] | None) -> GatewayError:
    """The HTTP error a failed job's ``error`` body stands for (D-110): its type's status, else 502 for
    ``upstream_error``, 503 for ``model_unavailable``, 500 for anything else."""
    body = error or {}
    kind, code = str(body.get("type") or "api_error"), str(body.get("code") or "internal_error")
    status = _STATUS_BY_TYPE.get(kind) or _STATUS_BY_CODE.get(code, 500)
    out = GatewayError(str(body.get("message") or "The job failed."), code=code, param=body.get("param"),
                       status=status)
    out.type = kind
    return out


async def answer_job(request: Request, record: JobRecord, *, wait: bool) -> Response:
    """A job-backed endpoint's answer: 202 :func:`accepted` unless ``wait``; then the finished job's
    ``result`` (200) or its error, or 502 when it is still unfinished after the inbound timeout (D-9).
    A client that leaves stops the waiting, not the job."""
    if not wait:
        return accepted(request, record)
    state = state_of(request.scope)
    timeout = state.settings.total_timeout
    outcome = await while_connected(request.receive, state.jobs.wait(record.id, timeout))
    if outcome is None:
        return Response(status_code=CLIENT_CLOSED)
    done = outcome[0]
    if done is None:
        raise UpstreamError(f"The job did not finish within {timeout:g} seconds; poll GET /v1/jobs/{record.id}.")
    if done.status != "completed":
        raise job_error(done.error)
    note_result_cost(request.scope, done.result)
    return _json(done.result)
