"""``GET /v1/usage``: the presenting key's account's usage log, newest first (D-203, D-204).

An extension of this deployment (the docs promise a usage dashboard, not an API): other deployments may
answer 404. A page is OpenAI's list shape; ``limit`` (1-100, default 20) and ``after`` (a request id of the
account's entries; another is a 404 naming it) page through it; anything else is a 400 naming the parameter.
"""

from __future__ import annotations

import json
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from gateway.errors import InvalidRequest, NotFound, shown
from gateway.routes.testmode import maybe_fail
from gateway.state import state_of
from gateway.store import nano_to_usd
from gateway.store.usage import MAX_PAGE, UsageEntry

__all__ = ["DEFAULT_LIMIT", "entry_json", "list_usage"]

DEFAULT_LIMIT = 20
_PARAMS = frozenset({"limit", "after"})


def entry_json(entry: UsageEntry) -> dict[str, Any]:
    """An entry as ``GET /v1/usage`` and the admin CLI show it."""
    return {
        "object": "usage.entry",
        "id": entry.request_id,
        "created_at": int(entry.created_at),
        "account_id": entry.account_id,
        "key_id": entry.key_id,
        "model": entry.model,
        "endpoint": entry.endpoint,
        "method": entry.method,
        "status": entry.status,
        "usage": {"input_tokens": entry.input_tokens, "output_tokens": entry.output_tokens,
                  "reasoning_tokens": entry.reasoning_tokens, "cached_tokens": entry.cached_tokens,
                  "units": entry.units},
        "cost": float(nano_to_usd(entry.cost_nano)),
        "cost_nano": entry.cost_nano,
        "latency_ms": entry.latency_ms,
    }


def _limit(raw: str | None) -> int:
    if raw is None:
        return DEFAULT_LIMIT
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_PAGE:
        raise InvalidRequest(f"'limit' must be an integer from 1 to {MAX_PAGE}.", param="limit")
    return int(raw)


async def list_usage(request: Request) -> Response:
    maybe_fail(request)
    query = request.query_params
    unknown = sorted(set(query) - _PARAMS)
    if unknown:
        raise InvalidRequest(f"Unknown query parameter '{shown(unknown[0])}'.", code="unsupported_parameter",
                             param=unknown[0])
    limit, after = _limit(query.get("limit")), query.get("after")
    if after is not None and not after:
        raise InvalidRequest("'after' must be a request id of this account's usage.", param="after")
    found = await state_of(request.scope).usage_log.page(request.scope["state"]["auth"].account_id, limit, after)
    if found is None:
        raise NotFound(f"'after' names no usage entry of this account: '{shown(after)}'.", code="not_found",
                       param="after")
    entries, more = found
    data = [entry_json(e) for e in entries]
    body = {"object": "list", "data": data, "first_id": data[0]["id"] if data else None,
            "last_id": data[-1]["id"] if data else None, "has_more": more}
    return Response(json.dumps(body), media_type="application/json")
