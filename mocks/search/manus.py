"""Manus tasks, an upstream job: ``POST /manus/v1/tasks`` (``API_KEY`` header) ``{prompt, agentProfile,
taskMode}`` → ``{task_id, task_title, task_url}``; ``GET /manus/v1/tasks/{task_id}`` → the task ``{id,
object: "task", status: pending | running | completed | failed, model, error, metadata: {task_title,
task_url}, output: [{type: "message", role: "assistant", content: [{type: "output_text", text,
annotations: [{type: "url_citation", title, url}]}]}], credit_usage}``.

The output text is ``"Mock task result for: <prompt, first 12 words>."``, citing the first three
:func:`mocks.search.pages.pages_for` pages of the prompt. Directives in ``prompt``: the family's faults
apply to the create call, job directives (:mod:`mocks.jobs`) to the task — ``fail`` ends it ``failed``
(the leak bait in its error), ``hang`` keeps it ``running``, ``malformed`` completes it with no output
message. Task URLs name the provider's host, so a gateway that shows them is caught.
"""

from __future__ import annotations

import time
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from mocks.jobs import Job, JobBook, get_endpoint, job_options
from mocks.openai.dialect import OpenAIDialect
from mocks.provider import ApiError, Call, Family, dumps, endpoint
from mocks.search.auth import key_header
from mocks.search.pages import pages_for
from mocks.wire import JSONDelivery

__all__ = ["CITED", "PROFILES", "result_text", "routes"]

PROFILES = frozenset({"manus-1.6-lite", "manus-1.6", "manus-1.6-max"})
CITED = 3
_STATUS = {"queued": "pending", "running": "running", "completed": "completed", "failed": "failed"}


def result_text(prompt: str) -> str:
    return f"Mock task result for: {' '.join(prompt.split()[:12])}."


def _checked(body: dict[str, Any]) -> str:
    prompt = body.get("prompt")
    if not isinstance(prompt, str) or not prompt.strip():
        raise ApiError(400, "'prompt' must be a non-empty string.", param="prompt")
    if body.get("agentProfile", "manus-1.6") not in PROFILES:
        raise ApiError(400, f"'agentProfile' must be one of {sorted(PROFILES)}.", param="agentProfile")
    return prompt


def _url(job: Job) -> str:
    return f"https://manus.im/app/{job.id}"


def _output(job: Job) -> list[dict[str, Any]]:
    prompt = job.request["prompt"]
    cited = [{"type": "url_citation", "title": p.title, "url": p.url} for p in pages_for(prompt, CITED)]
    return [{"id": f"msg_{job.id}", "type": "message", "role": "assistant", "status": "completed",
             "content": [{"type": "output_text", "text": result_text(prompt), "annotations": cited}]}]


def _task(family: Family, job: Job) -> dict[str, Any]:
    status = job.status
    error, output = None, []
    if status == "failed":
        error = {"code": "task_failed", "message": f"The task could not be completed. {family.bait(job.id)}"}
    elif status == "completed":
        output = [] if job.options.outcome == "malformed" else _output(job)
    return {"id": job.id, "object": "task", "created_at": int(time.time()), "updated_at": int(time.time()),
            "status": _STATUS[status], "model": job.request.get("agentProfile", "manus-1.6"), "error": error,
            "instructions": job.request["prompt"], "metadata": {"task_title": "Mock task", "task_url": _url(job)},
            "output": output, "credit_usage": 150 if status == "completed" else 0}


def routes(family: Family) -> list[Route]:
    dialect = OpenAIDialect()
    book = JobBook("task")
    auth = key_header("api_key")

    async def create(call: Call) -> Any:
        prompt, options = job_options(_checked(call.body))
        clean, plan = call.plan(prompt)
        if plan.status:
            raise ApiError.injected(plan.status, plan)
        job = book.submit({**call.body, "prompt": " ".join(clean.split())}, options)
        answer = {"task_id": job.id, "task_title": "Mock task", "task_url": _url(job)}
        return JSONDelivery(dumps(answer).encode(), 200, call.headers, plan)

    async def task(request: Request, headers: dict[str, str]) -> Response:
        job = book.get(request.path_params["task_id"])
        return Response(dumps(_task(family, job)), media_type="application/json", headers=headers)

    return [Route("/manus/v1/tasks", endpoint(family, dialect, auth, create), methods=["POST"]),
            Route("/manus/v1/tasks/{task_id}", get_endpoint(family, dialect, auth, task, book), methods=["GET"])]
