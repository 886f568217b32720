"""Manus tasks, an upstream job (D-99): ``POST /manus/v1/tasks`` ``{prompt, agentProfile}`` answers the task's
id; ``GET /manus/v1/tasks/{id}`` is polled until ``completed`` (or ``failed``: 502-class ``upstream_error``).
The output messages' text is the answer and their URL citations the results; a completed task with no output
text is unreadable and fails the same way."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, Protocol

from gateway.config import Upstream
from gateway.errors import UpstreamError
from gateway.ir.search import SearchHit, SearchOutcome, SearchQuery
from gateway.upstreams.http import UpstreamHTTP, upstream_errors
from gateway.upstreams.jobs import poll
from gateway.upstreams.search.base import items, scrubbed, text

__all__ = ["DEFAULT_PROFILE", "ManusAdapter", "TaskAdapter"]

DEFAULT_PROFILE = "manus-1.6"
_UNREADABLE = "The model provider returned an unreadable answer."


class TaskAdapter(Protocol):
    async def submit(self, query: SearchQuery) -> str:
        """Create the upstream task; its id."""
        ...

    async def finish(self, query: SearchQuery, ref: str, interval: float,
                     progress: Callable[[float], Awaitable[None]] | None = None) -> SearchOutcome:
        """Wait for the upstream task ``ref`` and read its output."""
        ...


def _outcome(state: dict[str, Any]) -> SearchOutcome:
    texts: list[str] = []
    hits: list[SearchHit] = []
    for message in items(state, "output"):
        if message.get("type") != "message" or message.get("role") != "assistant":
            continue
        for part in items(message, "content"):
            if part.get("type") != "output_text" or not isinstance(part.get("text"), str):
                continue
            texts.append(part["text"])
            hits.extend(SearchHit(title=text(a, "title") or "", url=str(a["url"])) for a in items(part, "annotations")
                        if a.get("type") == "url_citation" and isinstance(a.get("url"), str))
    if not texts:
        raise ValueError("the task has no output text")
    return SearchOutcome(tuple(hits), "\n\n".join(texts), scrubbed(state))


class ManusAdapter:
    def __init__(self, http: UpstreamHTTP, upstream: Upstream) -> None:
        self.http, self.upstream = http, upstream
        self.headers = {"API_KEY": upstream.api_key or "unset"}

    async def submit(self, query: SearchQuery) -> str:
        profile = query.values.get("agent_profile", DEFAULT_PROFILE)
        body = {"prompt": query.query, "agentProfile": profile, "taskMode": "agent"}
        answer = await self.http.post_json(self.upstream, "/manus/v1/tasks", body, self.headers)
        ref = answer.get("task_id")
        if not isinstance(ref, str) or not ref or "/" in ref:
            raise UpstreamError(_UNREADABLE)
        return ref

    async def finish(self, query: SearchQuery, ref: str, interval: float,
                     progress: Callable[[float], Awaitable[None]] | None = None) -> SearchOutcome:
        path = f"/manus/v1/tasks/{ref}"
        state = await poll(lambda: self.http.get_json(self.upstream, path, self.headers), interval,
                           done=frozenset({"completed"}), failed=frozenset({"failed", "cancelled"}), progress=progress)
        async with upstream_errors():
            return _outcome(state)
