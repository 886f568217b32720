"""Defects of ``POST /v1/search`` (D-84–D-86, D-98–D-100): a chat or unknown model accepted, bad parameters
dropped, results dropped, the provider's own field names shown, the Sources list despite
``disable_formatting``, the call not charged or its cost misreported, an upstream failure passed through with
its status and address; detection charged per request or its verdict dropped; an agent task's result missing,
its tier or ``async`` ignored, its failure answered as an empty success, the task not charged; Perplexity's
citations dropped, its tokens or context size not priced.

Seams: the ``/v1/search`` codec (``state.search_codec``: its ``decode``, ``price`` and ``encode``, replaced on
the instance), the search and task adapters (``state.searches``, ``state.search_tasks``, each entry wrapped),
the job runner's ``submit`` (``state.jobs``, replaced on the instance) and, for the charge, a layer just
inside the credits middleware.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
from collections.abc import Awaitable, Callable, Mapping
from decimal import Decimal
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gateway.catalog import Catalog
from gateway.errors import GatewayError, InvalidRequest, NotFound, UpstreamError
from gateway.formats.json_body import parse_json
from gateway.formats.search import SearchCodec, sources_footer
from gateway.ir.search import SearchOutcome, SearchQuery
from gateway.jobs import JobContext, JobOutcome, Work
from gateway.middleware.credits import take_charge
from gateway.routes.search import JOB_TYPE
from gateway.search_pricing import SearchPrice, is_metered, word_row
from gateway.state import GatewayState
from gateway.store.jobs import JobRecord
from gateway.testing.asgi import layer
from gateway.testing.registry import ActiveDefects, defect
from gateway.upstreams.search import SearchAdapter, TaskAdapter

__all__ = ["install"]

CHAT_MODEL_ACCEPTED = defect(
    "search_chat_model_accepted",
    "a model that does not list /v1/search is 400 model_not_supported_on_endpoint there (D-84)",
)
RESULTS_DROPPED = defect("search_results_dropped", "a plain query answers the results the upstream found (D-84)")
UPSTREAM_NAMES_LEAKED = defect(
    "search_upstream_names_leaked",
    "results use the spec's field names only and no upstream request id is shown (D-84, D-85)",
)
FORMATTING_IGNORED = defect(
    "search_formatting_ignored", "disable_formatting (and its aliases) drops the Sources list (D-85)",
)
UNKNOWN_MODEL_SERVED = defect(
    "search_unknown_model_served", "a search naming a model the catalog does not list is 404 model_not_found (D-84)",
)
BAD_PARAMETERS_DROPPED = defect(
    "search_bad_parameters_dropped",
    "a search breaking SearchRequest or the model's parameters is 400 naming the field, not forwarded (D-84)",
)
NOT_CHARGED = defect("search_not_charged", "a served search debits the catalog's per-call price (D-86)")
COST_MISREPORTED = defect("search_cost_misreported", "usage.cost is the catalog's per-call price (D-86)")
UPSTREAM_ERROR_PASSED = defect(
    "search_upstream_error_passed_through",
    "an upstream failure is 502/503 in the envelope without the upstream's address (D-11)",
)
DETECTION_PER_REQUEST = defect(
    "search_detection_per_request", "detection costs the per-word rate times the words scanned, not one rate (D-98)",
)
DETECTION_DROPPED = defect("search_detection_dropped", "a detection model answers its verdict in detection (D-98)")
TASK_RESULT_MISSING = defect("search_task_result_missing", "an agent task answers its result text and sources (D-99)")
TASK_TIER_IGNORED = defect("search_task_tier_ignored", "an agent task costs the row its agent_profile selects (D-99)")
TASK_ASYNC_IGNORED = defect("search_task_async_ignored", "async: true on an agent model answers 202 with the job (D-99)")
TASK_FAILURE_HIDDEN = defect(
    "search_task_failure_hidden", "a failed, malformed or hung agent task is 502 upstream_error, not an empty 200 (D-99)",
)
TASK_NOT_CHARGED = defect("search_task_not_charged", "a completed agent task debits its per-task price (D-99)")
CITATIONS_DROPPED = defect("search_citations_dropped", "a Perplexity answer lists its cited URLs (D-100)")
TOKENS_NOT_CHARGED = defect(
    "search_tokens_not_charged", "a model priced per token is charged its tokens and counted calls too (D-100)",
)
CONTEXT_SIZE_IGNORED = defect(
    "search_context_size_ignored", "search_context_size selects the Perplexity base fee row (D-100)",
)
_HIDE_AFTER = 2.0
"""Seconds after which a task the failure-hiding defect waits on is answered empty."""


class _Adapter:
    """A search adapter whose outcome or failure a defect rewrites."""

    def __init__(self, inner: SearchAdapter, active: ActiveDefects, address: str) -> None:
        self.inner, self.active, self.address = inner, active, address

    async def search(self, query: SearchQuery) -> SearchOutcome:
        try:
            outcome = await self.inner.search(query)
        except UpstreamError as error:
            if self.active.on(UPSTREAM_ERROR_PASSED.name):
                raise GatewayError(f"Upstream {self.address} failed: {error.message}", status=500) from error
            raise
        if self.active.on(RESULTS_DROPPED.name):
            return dataclasses.replace(outcome, hits=())
        return outcome


def _upstream_items(payload: dict[str, Any]) -> list[Any]:
    for key in ("results", "citations", "sources"):
        if isinstance(payload.get(key), list):
            return list(payload[key])
    return []


def _stand_in(catalog: Catalog, query: SearchQuery, model_id: str) -> SearchQuery:
    """``query`` answered by the catalog's Exa search model, under the id the client named."""
    exa = next(m for m in catalog.models.values() if m.upstream_model == "exa-search")
    return dataclasses.replace(query, model=dataclasses.replace(exa, id=model_id))


def _lenient(raw: bytes) -> tuple[bytes, str]:
    """The body with only a string ``query`` (whatever was sent) and the model exa-search; the model named."""
    body = parse_json(raw)
    named = str(body.get("model")) if isinstance(body, dict) else ""
    query = body.get("query") if isinstance(body, dict) else None
    text = query if isinstance(query, str) and query.strip() else "(no query)"
    return json.dumps({"model": "exa-search", "query": text}).encode(), named


def _patch_codec(codec: SearchCodec, active: ActiveDefects) -> None:
    decode, encode, answer, price = codec.decode, codec.encode, codec.answer, codec.price

    def patched_decode(raw: bytes, catalog: Catalog, *, endpoint: str | None = "/v1/search") -> SearchQuery:
        try:
            query = decode(raw, catalog, endpoint=endpoint)
            return dataclasses.replace(query, asynchronous=False) if active.on(TASK_ASYNC_IGNORED.name) else query
        except NotFound as error:
            if error.code != "model_not_found" or not active.on(UNKNOWN_MODEL_SERVED.name):
                raise
            plain, named = _lenient(raw)
            if catalog.get(named) is not None:
                raise
            return _stand_in(catalog, decode(plain, catalog), named)
        except InvalidRequest as error:
            if error.code == "model_not_supported_on_endpoint" and active.on(CHAT_MODEL_ACCEPTED.name):
                query = decode(raw, catalog, endpoint=None)
                return _stand_in(catalog, query, query.model.id)
            if error.code in ("invalid_parameter", "missing_parameter") and active.on(BAD_PARAMETERS_DROPPED.name):
                plain, named = _lenient(raw)
                model = catalog.get(named)
                if model is not None and endpoint in model.public["endpoints"]:
                    return dataclasses.replace(decode(plain, catalog), model=model)
            raise

    def patched_price(query: SearchQuery, outcome: SearchOutcome) -> SearchPrice:
        rows = query.model.public.get("pricing_rows") or []
        word = word_row(rows)
        if word is not None and active.on(DETECTION_PER_REQUEST.name):
            return SearchPrice(Decimal(str(word["rate_usd"])), "request", 1)
        dropped = {TASK_TIER_IGNORED.name: "agent_profile", CONTEXT_SIZE_IGNORED.name: "search_context_size"}
        for name, value in dropped.items():
            if value in query.values and active.on(name):
                defaults = {k: (query.model.parameters.get(k) or {}).get("default") for k in query.values}
                query = dataclasses.replace(query, values={**query.values, value: defaults[value]})
        priced = price(query, outcome)
        if is_metered(rows) and active.on(TOKENS_NOT_CHARGED.name):
            return dataclasses.replace(priced, usd=price(query, SearchOutcome(())).usd)
        return priced

    def patched_answer(query: SearchQuery, outcome: SearchOutcome) -> str | None:
        if active.on(FORMATTING_IGNORED.name) and outcome.answer is not None:
            return outcome.answer + sources_footer(outcome.hits)
        return answer(query, outcome)

    def patched_encode(query: SearchQuery, outcome: SearchOutcome, price: SearchPrice) -> dict[str, Any]:
        body = encode(query, outcome, price)
        if active.on(UPSTREAM_NAMES_LEAKED.name):
            body["results"] = _upstream_items(outcome.payload) or body["results"]
        if active.on(COST_MISREPORTED.name):
            body["usage"] = {**body["usage"], "cost": 0}
        if outcome.detection is not None and active.on(DETECTION_DROPPED.name):
            body["detection"] = None
        if outcome.citations is not None and active.on(CITATIONS_DROPPED.name):
            body.pop("citations", None)
        return body

    codec.decode = patched_decode  # type: ignore[method-assign]
    codec.answer = patched_answer  # type: ignore[method-assign]
    codec.encode = patched_encode  # type: ignore[method-assign]
    codec.price = patched_price  # type: ignore[method-assign]


class _Task:
    """A task adapter whose outcome or failure a defect rewrites."""

    def __init__(self, inner: TaskAdapter, active: ActiveDefects) -> None:
        self.inner, self.active = inner, active

    async def submit(self, query: SearchQuery) -> str:
        return await self.inner.submit(query)

    async def finish(self, query: SearchQuery, ref: str, interval: float,
                     progress: Callable[[float], Awaitable[None]] | None = None) -> SearchOutcome:
        if not self.active.on(TASK_FAILURE_HIDDEN.name):
            outcome = await self.inner.finish(query, ref, interval, progress)
        else:
            try:
                outcome = await asyncio.wait_for(self.inner.finish(query, ref, interval, progress), _HIDE_AFTER)
            except (UpstreamError, TimeoutError):
                return SearchOutcome((), "")
        if self.active.on(TASK_RESULT_MISSING.name):
            return dataclasses.replace(outcome, hits=(), answer=None)
        return outcome


def _free_tasks(state: GatewayState, active: ActiveDefects) -> None:
    """``state.jobs.submit`` completing agent tasks at no cost while the defect is on."""
    submit = state.jobs.submit

    async def patched(account_id: str, job_type: str, model: str, work: Work, *,
                      params: Mapping[str, Any] | None = None, hold: str | None = None) -> JobRecord:
        if job_type != JOB_TYPE:
            return await submit(account_id, job_type, model, work, params=params, hold=hold)

        async def free(context: JobContext) -> JobOutcome:
            outcome = await work(context)
            return JobOutcome(outcome.result, Decimal(0)) if active.on(TASK_NOT_CHARGED.name) else outcome

        return await submit(account_id, job_type, model, free, params=params, hold=hold)

    state.jobs.submit = patched  # type: ignore[method-assign]


@layer(NOT_CHARGED, at="authenticated")
def _free_searches(app: ASGIApp) -> ASGIApp:
    """The cost a search recorded dropped just before its last body message reaches the credits middleware."""

    async def run(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("path") != "/v1/search":
            await app(scope, receive, send)
            return

        async def free_send(message: Message) -> None:
            if message["type"] == "http.response.body" and not message.get("more_body"):
                take_charge(scope)
            await send(message)

        await app(scope, receive, free_send)

    return run


def install(state: GatewayState, active: ActiveDefects) -> None:
    address = state.settings.upstreams["search"].base_url
    state.searches = {name: _Adapter(adapter, active, address) for name, adapter in state.searches.items()}
    state.search_tasks = {name: _Task(adapter, active) for name, adapter in state.search_tasks.items()}
    _patch_codec(state.search_codec, active)
    _free_tasks(state, active)
