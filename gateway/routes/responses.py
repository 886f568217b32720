"""``GET`` / ``DELETE /v1/responses/{response_id}`` and ``GET /v1/responses/{response_id}/input_items``
over the account's stored Responses (D-53, D-54). An unknown, another account's, deleted or expired id
is 404 ``response_not_found``. Retrieval is free (no credits, no generation rate limit)."""

from __future__ import annotations

import json
import time
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from gateway.errors import InvalidRequest, NotFound, shown
from gateway.formats.openai_responses.conversation import account_of
from gateway.routes.testmode import maybe_fail
from gateway.state import state_of
from gateway.store.responses import StoredResponse

__all__ = ["DEFAULT_LIMIT", "MAX_LIMIT", "delete_response", "list_input_items", "page", "retrieve_response"]

DEFAULT_LIMIT, MAX_LIMIT = 20, 100
"""OpenAI's ``limit`` default and range (1-100)."""


def _json(body: Any) -> Response:
    return Response(json.dumps(body, ensure_ascii=False), media_type="application/json")


async def _stored(request: Request) -> StoredResponse:
    response_id = request.path_params["response_id"]
    record = await state_of(request.scope).responses.get(account_of(request.scope), response_id, int(time.time()))
    if record is None:
        raise NotFound(f"Response with id '{shown(response_id)}' not found.", code="response_not_found")
    return record


async def retrieve_response(request: Request) -> Response:
    maybe_fail(request)
    return _json((await _stored(request)).response)


async def delete_response(request: Request) -> Response:
    maybe_fail(request)
    response_id = request.path_params["response_id"]
    if not await state_of(request.scope).responses.delete(account_of(request.scope), response_id, int(time.time())):
        raise NotFound(f"Response with id '{shown(response_id)}' not found.", code="response_not_found")
    return _json({"id": response_id, "object": "response.deleted", "deleted": True})


def _limit(raw: str | None) -> int:
    if raw is None:
        return DEFAULT_LIMIT
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_LIMIT:
        raise InvalidRequest(f"'limit' must be an integer from 1 to {MAX_LIMIT}.", param="limit")
    return int(raw)


def page(items: list[dict[str, Any]], *, limit: int, order: str, after: str | None) -> dict[str, Any]:
    """One page of ``items`` (in input order) as OpenAI lists them: newest first unless ``order`` is asc."""
    ordered = list(items) if order == "asc" else list(reversed(items))
    if after is not None:
        ids = [item.get("id") for item in ordered]
        if after not in ids:
            raise InvalidRequest(f"'after' names no input item of this response: '{after}'.", param="after")
        ordered = ordered[ids.index(after) + 1:]
    data = ordered[:limit]
    return {"object": "list", "data": data, "first_id": data[0]["id"] if data else None,
            "last_id": data[-1]["id"] if data else None, "has_more": len(ordered) > limit}


async def list_input_items(request: Request) -> Response:
    maybe_fail(request)
    query = request.query_params
    limit = _limit(query.get("limit"))
    order = query.get("order", "desc")
    if order not in ("asc", "desc"):
        raise InvalidRequest("'order' must be asc or desc.", param="order")
    return _json(page((await _stored(request)).input_items, limit=limit, order=order, after=query.get("after")))
