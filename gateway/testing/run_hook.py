"""Test mode: runs whose lifecycle the suites control (D-124).

``POST /__test__/runs`` with ``{"outcome": "completed" | "failed", "delay": seconds}`` and a key of the account
(``Authorization: Bearer`` or ``x-api-key``) submits a transcription-shaped job that stays ``queued`` for
``delay`` seconds, runs for as long again, then completes with a short transcript or fails as an upstream
error would; the answer is the 202 ``JobAccepted``. What the suites' ``--run-hook`` drives.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from gateway.errors import InvalidRequest, UpstreamError
from gateway.jobs import JobContext, JobOutcome, Work
from gateway.middleware.auth import authenticate
from gateway.routes.jobs import accepted
from gateway.state import state_of

__all__ = ["RUNS_PATH", "mount"]

RUNS_PATH = "/__test__/runs"
MODEL = "test/run-hook"
MAX_DELAY = 60.0


def _work(outcome: str, delay: float) -> Work:
    async def work(context: JobContext) -> JobOutcome:
        await asyncio.sleep(delay)
        await context.running()
        await asyncio.sleep(delay)
        if outcome == "failed":
            raise UpstreamError("The model provider returned an error.")
        text = "Hello from EmpirioLabs."
        return JobOutcome({"text": text, "language": "en", "duration_seconds": 1.8,
                           "usage": {"cost": 0, "unit": "audio-second", "quantity": 1.8}})

    return work


def _request(body: bytes) -> tuple[str, float]:
    try:
        asked: Any = json.loads(body or b"{}")
        outcome, delay = asked.get("outcome", "completed"), float(asked.get("delay", 0.5))
    except (ValueError, TypeError, AttributeError) as exc:
        raise InvalidRequest(f"Bad run request: {exc}") from exc
    if outcome not in ("completed", "failed"):
        raise InvalidRequest("'outcome' is 'completed' or 'failed'.", param="outcome")
    if not 0 <= delay <= MAX_DELAY:
        raise InvalidRequest(f"'delay' is between 0 and {MAX_DELAY:g} seconds.", param="delay")
    return outcome, delay


def mount(app: Starlette) -> None:
    """Add ``POST /__test__/runs`` to ``app``."""

    async def create(request: Request) -> Response:
        state = state_of(request.scope)
        account_id = (await authenticate(request.scope, state)).account_id
        outcome, delay = _request(await request.body())
        record = await state.jobs.submit(account_id, "transcription", MODEL, _work(outcome, delay))
        return accepted(request, record)

    app.router.routes += [Route(RUNS_PATH, create, methods=["POST"])]
