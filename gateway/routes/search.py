"""``POST /v1/search``: decode (spec schema, catalog parameters) → admit → the model's search adapter →
charge the catalog's per-call price (D-86) → the ``SearchResponse`` body.

Search models of the ``search`` family are served by the adapter registered for their upstream model
(:mod:`gateway.upstreams.search`); the others (detection, agents, Perplexity's chat-completion models)
answer 503 ``model_unavailable`` until their styles land (D-84). A client that leaves before the answer
stops the upstream call and is not billed (D-76).
"""

from __future__ import annotations

import json

from starlette.requests import Request
from starlette.responses import Response

from gateway.errors import ModelUnavailable
from gateway.ir.search import SearchQuery
from gateway.middleware.credits import charge
from gateway.middleware.gate import admit
from gateway.pricing import call_price
from gateway.routes.generate import CLIENT_CLOSED, require_json
from gateway.routes.metering import while_connected
from gateway.routes.testmode import maybe_fail
from gateway.state import GatewayState, state_of
from gateway.upstreams.search import SearchAdapter

__all__ = ["DEFAULT_RESULTS", "create_search"]

DEFAULT_RESULTS = 10
"""``max_results`` when the request and the catalog leave it out: what selects a results-range price row."""
_PREMIUM_DEPTHS = frozenset({"advanced", "deep"})


def _adapter(state: GatewayState, query: SearchQuery) -> SearchAdapter:
    model = query.model
    adapter = state.searches.get(model.upstream_model) if model.upstream_family == "search" else None
    if adapter is None:
        raise ModelUnavailable(f"The model '{model.id}' is not served on /v1/search by this deployment yet.")
    return adapter


def _results(query: SearchQuery) -> int:
    if query.max_results is not None:
        return query.max_results
    declared = (query.model.parameters.get("max_results") or {}).get("default")
    return declared if isinstance(declared, int) else DEFAULT_RESULTS


async def create_search(request: Request) -> Response:
    state = state_of(request.scope)
    maybe_fail(request)
    require_json(request)
    codec = state.search_codec
    query = codec.decode(await request.body(), state.catalog)
    adapter = _adapter(state, query)
    admit(request.scope)
    outcome = await while_connected(request.receive, adapter.search(query))
    if outcome is None:
        return Response(status_code=CLIENT_CLOSED)
    price = call_price(query.model.public.get("pricing_rows") or [], results=_results(query),
                       premium=query.search_depth in _PREMIUM_DEPTHS)
    charge(request.scope, price.usd)
    body = codec.encode(query, outcome[0], price)
    return Response(json.dumps(body, ensure_ascii=False), media_type="application/json")
