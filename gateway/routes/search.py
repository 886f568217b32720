"""``POST /v1/search``: decode (spec schema, catalog parameters) → admit → the model's search adapter →
charge its price (D-86, D-98, D-100) → the ``SearchResponse`` body.

Models of the ``search`` family are served by the adapter registered for their upstream model
(:mod:`gateway.upstreams.search`). A model answered by an upstream task (Manus) runs as an ``agent_task``
job (D-99): submitted, its task recorded, polled, charged on completion; the request waits for it, or
answers 202 with ``async: true``; :func:`resumer` continues it after a restart. A model no adapter serves
answers 503 ``model_unavailable`` (D-84). A client that leaves before a synchronous answer stops the
upstream call and is not billed (D-76).
"""

from __future__ import annotations

import json
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from gateway.errors import GatewayError, InvalidRequest, ModelUnavailable
from gateway.formats.openai_responses.conversation import account_of
from gateway.ir.search import SearchQuery
from gateway.jobs import JobContext, JobOutcome, Resume, Work
from gateway.middleware.credits import charge, take_hold
from gateway.middleware.gate import admit
from gateway.routes.generate import CLIENT_CLOSED, require_json
from gateway.routes.jobs import answer_job
from gateway.routes.metering import while_connected
from gateway.routes.testmode import maybe_fail
from gateway.state import GatewayState, state_of
from gateway.store.jobs import JobRecord
from gateway.upstreams.search import SearchAdapter, TaskAdapter
from gateway.usage import record_usage

__all__ = ["JOB_TYPE", "create_search", "resumer"]

JOB_TYPE = "agent_task"


def _adapter(state: GatewayState, query: SearchQuery) -> SearchAdapter:
    model = query.model
    adapter = state.searches.get(model.upstream_model) if model.upstream_family == "search" else None
    if adapter is None:
        raise ModelUnavailable(f"The model '{model.id}' is not served on /v1/search by this deployment yet.")
    return adapter


def _task_adapter(state: GatewayState, query: SearchQuery) -> TaskAdapter | None:
    model = query.model
    return state.search_tasks.get(model.upstream_model) if model.upstream_family == "search" else None


def _task_work(state: GatewayState, adapter: TaskAdapter, query: SearchQuery, ref: str | None = None) -> Work:
    async def work(context: JobContext) -> JobOutcome:
        upstream_ref = ref
        if upstream_ref is None:
            upstream_ref = await adapter.submit(query)
            await context.remember(upstream_ref)
        await context.running()
        outcome = await adapter.finish(query, upstream_ref, state.settings.job_poll_interval, context.progress)
        price = state.search_codec.price(query, outcome)
        return JobOutcome(state.search_codec.encode(query, outcome, price), price.usd)

    return work


def _task_params(query: SearchQuery) -> dict[str, Any]:
    """The request a restarted gateway decodes again to resume the task."""
    declared = {k: v for k, v in query.values.items() if k in ("agent_profile",)}
    return {"request": {"model": query.model.id, "query": query.query, **declared, "disable_formatting": query.raw}}


async def create_search(request: Request) -> Response:
    state = state_of(request.scope)
    maybe_fail(request)
    require_json(request)
    codec = state.search_codec
    query = codec.decode(await request.body(), state.catalog)
    record_usage(request.scope, model=query.model.id)
    task = _task_adapter(state, query)
    if task is not None:
        await admit(request.scope)
        record = await state.jobs.submit(account_of(request.scope), JOB_TYPE, query.model.id,
                                   _task_work(state, task, query), params=_task_params(query),
                                   hold=take_hold(request.scope))
        return await answer_job(request, record, wait=not query.asynchronous)
    if query.asynchronous:
        raise InvalidRequest(f"The model '{query.model.id}' answers synchronously; 'async' is for agent tasks.",
                             code="unsupported_parameter", param="async")
    adapter = _adapter(state, query)
    await admit(request.scope)
    outcome = await while_connected(request.receive, adapter.search(query))
    if outcome is None:
        return Response(status_code=CLIENT_CLOSED)
    price = codec.price(query, outcome[0])
    charge(request.scope, price.usd)
    body = codec.encode(query, outcome[0], price)
    return Response(json.dumps(body, ensure_ascii=False), media_type="application/json")


def resumer(state: GatewayState) -> Resume:
    """How a restarted gateway continues an agent task: decode its request again, poll its recorded task."""

    def resume(record: JobRecord) -> Work | None:
        try:
            query = state.search_codec.decode(json.dumps(record.params.get("request")).encode(), state.catalog)
        except GatewayError:
            return None
        adapter = _task_adapter(state, query)
        if adapter is None or record.upstream_ref is None:
            return None
        return _task_work(state, adapter, query, record.upstream_ref)

    return resume
