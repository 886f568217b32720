"""Per-family mock state and its control endpoints.

``PUT /__mock__/faults`` ``{"fault": "status:503", "times": 2}`` queues a fault for the next N API
requests (see :mod:`mocks.faults` for the specs); ``GET`` shows it, ``DELETE`` clears it.
``GET /__mock__/requests`` returns the last 50 API requests received, oldest first (method, path, query,
headers with credential values redacted, the SHA-256 of the presented key, the JSON body, and whether the
client hung up before the reply was all sent);
``DELETE /__mock__/requests`` empties the log. ``/health`` and ``/__mock__/*`` are never logged.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from mocks.faults import DirectiveError, FaultQueue

__all__ = ["CREDENTIAL_HEADERS", "MockState", "control_routes"]

LOG_SIZE = 50
CREDENTIAL_HEADERS = frozenset({"authorization", "x-api-key", "api-key", "x-goog-api-key"})


def _presented_key(headers: dict[str, str]) -> str | None:
    auth = headers.get("authorization", "")
    if auth.lower().startswith("bearer "):
        return auth[7:].strip() or None
    return headers.get("x-api-key") or headers.get("api-key") or None


@dataclass
class MockState:
    """What one family's mock remembers between requests."""

    faults: FaultQueue = field(default_factory=FaultQueue)
    requests: deque[dict[str, Any]] = field(default_factory=lambda: deque(maxlen=LOG_SIZE))

    def record(self, request: Request, raw: bytes, request_id: str) -> dict[str, Any]:
        """Log the request; the entry is returned so a handler can add what it found (e.g. ``media``)."""
        headers = {k.lower(): v for k, v in request.headers.items()}
        key = _presented_key(headers)
        try:
            body: Any = json.loads(raw) if raw else None
        except ValueError:
            body = raw.decode("utf-8", "replace")
        entry = {
            "method": request.method,
            "path": request.url.path,
            "query": request.url.query,
            "headers": {k: ("[redacted]" if k in CREDENTIAL_HEADERS else v) for k, v in headers.items()},
            "api_key_sha256": hashlib.sha256(key.encode()).hexdigest() if key else None,
            "body": body,
            "request_id": request_id,
            "received_at": time.time(),
        }
        self.requests.append(entry)
        return entry


def control_routes(state: MockState) -> list[Route]:
    """The ``/__mock__`` routes over ``state``."""

    async def put_faults(request: Request) -> Response:
        try:
            spec = await request.json()
            fault, times = spec["fault"], spec.get("times", 1)
            if not isinstance(fault, str) or not isinstance(times, int) or times < 1:
                raise TypeError("fault must be a string and times a positive integer")
            state.faults.set(fault, times)
        except (ValueError, KeyError, TypeError, DirectiveError) as exc:
            return JSONResponse({"error": f"bad fault: {exc}"}, status_code=400)
        return JSONResponse(state.faults.describe())

    async def get_faults(request: Request) -> Response:
        return JSONResponse(state.faults.describe())

    async def delete_faults(request: Request) -> Response:
        state.faults.clear()
        return JSONResponse(state.faults.describe())

    async def get_requests(request: Request) -> Response:
        return JSONResponse({"requests": list(state.requests)})

    async def delete_requests(request: Request) -> Response:
        state.requests.clear()
        return JSONResponse({"requests": []})

    return [
        Route("/__mock__/faults", put_faults, methods=["PUT"]),
        Route("/__mock__/faults", get_faults, methods=["GET"]),
        Route("/__mock__/faults", delete_faults, methods=["DELETE"]),
        Route("/__mock__/requests", get_requests, methods=["GET"]),
        Route("/__mock__/requests", delete_requests, methods=["DELETE"]),
    ]
