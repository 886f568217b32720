"""Helpers the OpenAI Responses suites share: request bodies, model choice, and a stream collector.

Requests go through the suites' :class:`~suites.client.ApiClient`, so the contract transport validates
every answer and every stream event. Models always come from the deployment's own catalog
(:mod:`suites.selection`).
"""

from __future__ import annotations

from typing import Any, ClassVar

import httpx

from suites.client import ApiClient
from suites.discovery import param, param_names
from suites.selection import Route, reasoning_on, unavailable
from suites.streams import EventStream, collect

__all__ = [
    "PROMPT",
    "RESPONSES",
    "ResponsesStream",
    "create",
    "per_provider",
    "plain_model",
    "reasoners",
    "reasoning_extra",
    "response_body",
    "served",
    "stream_responses",
    "tool_models",
]

RESPONSES = "/v1/responses"
PROMPT = "Say hello in one short sentence."


def response_body(model: dict[str, Any] | str, text: Any = PROMPT, **extra: Any) -> dict[str, Any]:
    """A Responses request to ``model`` (a catalog entry or an id) with ``input`` = ``text``."""
    model_id = model if isinstance(model, str) else model["id"]
    return {"model": model_id, "input": text, **extra}


def create(api: ApiClient, body: Any, **kwargs: Any) -> httpx.Response:
    """``POST /v1/responses``. ``body`` bytes are sent as they are."""
    if isinstance(body, (bytes, str)):
        headers = {"content-type": "application/json", **kwargs.pop("headers", {})}
        return api.post(RESPONSES, content=body, headers=headers, **kwargs)
    return api.post(RESPONSES, json=body, **kwargs)


# ----- which models ----------------------------------------------------------------------------------

_ROUTE = Route(RESPONSES, probe=lambda api, model: create(api, response_body(model, max_output_tokens=16)),
               offline=lambda response: unavailable(response, "code", "model_unavailable"),
               controls=frozenset({"reasoning", "reasoning_effort", "enable_thinking", "thinking_budget"}))
served = _ROUTE.served
per_provider = _ROUTE.per_provider
plain_model = _ROUTE.plain_model
tool_models = _ROUTE.tool_models
reasoners = _ROUTE.reasoners
"""One reasoner per provider: ``capabilities.thinking`` and a reasoning control the Responses format can
carry (``reasoning``, ``reasoning_effort``, ``enable_thinking``, ``thinking_budget``) or an id naming a
reasoner (``reasoner``, ``r1``)."""


def reasoning_extra(model: dict[str, Any]) -> dict[str, Any]:
    """Request fields that switch reasoning on, for the controls the model lists: the chat controls, else
    the Responses format's own ``reasoning.effort``."""
    extra = reasoning_on(model)
    if param(model, "reasoning_effort") is None and "reasoning" in param_names(model):
        extra["reasoning"] = {"effort": "medium"}
    return extra


# ----- streams ---------------------------------------------------------------------------------------


class ResponsesStream(EventStream):
    """Everything one streamed /v1/responses request produced, event by event."""

    failure_rule: ClassVar[str] = ("a failure after a Responses stream started must be an `error` event then "
                                   "`response.failed`")

    def _deltas(self, kind: str) -> str:
        return "".join(str(p.get("delta") or "") for p in self.of_type(kind))

    @property
    def text(self) -> str:
        return self._deltas("response.output_text.delta")

    @property
    def reasoning(self) -> str:
        return self._deltas("response.reasoning_text.delta")

    @property
    def final(self) -> dict[str, Any] | None:
        """The response of the terminal event (completed, incomplete or failed), if any."""
        for p in reversed(self.payloads):
            if p.get("type") in ("response.completed", "response.incomplete", "response.failed"):
                return p.get("response")  # type: ignore[no-any-return]
        return None


def stream_responses(api: ApiClient, body: Any, *, require_stream: bool = True, **kwargs: Any) -> ResponsesStream:
    """Send ``body`` with ``stream: true`` and collect every event. With ``require_stream`` (default) an
    answer that is not a 200 event stream fails the calling test, showing the body."""
    return collect(api, RESPONSES, body, ResponsesStream, require_stream=require_stream, **kwargs)
