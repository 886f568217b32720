"""What every format's driver offers, and the format-neutral view of an answer it gives.

A :class:`Driver` speaks one wire format (Chat Completions, Anthropic Messages, OpenAI Responses): it
knows its endpoint and how to choose models for it, builds request bodies from format-neutral
arguments, sends them (plain or streamed, through the suites' contract-validating client) and reads
the answer back as an :class:`Answer` — text, reasoning, tool calls, a finish reason in a common
vocabulary (with the raw value), usage. Rules that hold for every format are then written once, over
:class:`Answer`, and run with each driver (``suites/test_all_formats.py``).

:class:`FormatDriver` is what the drivers share: model choice forwarded to the format's helpers (a
:class:`ModelChoice`), a request body assembled from the format's own field names, the error read from
its envelope. Each format's driver subclasses it and supplies the rest.
"""

from __future__ import annotations

import json
from abc import abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

import httpx

from suites.checks import errors
from suites.client import ApiClient
from suites.contract import Contract
from suites.discovery import Discovery, param, param_names
from suites.streams import EventStream
from suites.tools import Tool

__all__ = [
    "PROMPT",
    "Answer",
    "Driver",
    "ErrorReply",
    "Finish",
    "FormatDriver",
    "Model",
    "ModelChoice",
    "Named",
    "ToolCall",
    "ToolChoice",
    "Usage",
    "parse_arguments",
    "reasoning_off",
    "reasons_by_default",
    "run",
    "switchable_reasoners",
]

PROMPT = "Say hello in one short sentence."
Model = dict[str, Any]
Finish = Literal["stop", "length", "tool_calls", "content_filter", "error", "other"]
"""The common vocabulary of finish reasons (chat's own, plus ``error`` for a failed stream and ``other``)."""


@dataclass(frozen=True)
class Named:
    """``tool_choice`` forcing one named tool."""

    name: str


ToolChoice = Literal["auto", "required", "none"] | Named


@dataclass(frozen=True)
class ToolCall:
    """One tool call: ``id`` is what a tool result refers to (chat's call id, Anthropic's ``tool_use``
    id, the Responses ``call_id``); ``raw`` the arguments as the wire carries them (a JSON string, or
    Anthropic's ``input`` object); ``item_id`` the Responses ``function_call`` item id."""

    id: Any
    name: Any
    raw: Any
    item_id: Any = None

    @property
    def arguments(self) -> Any:
        """The parsed arguments (None when they do not parse; see :func:`parse_arguments`)."""
        return parse_arguments(self.raw)[0]


def parse_arguments(raw: Any) -> tuple[Any, str | None]:
    """(the arguments as a JSON value, None) or (None, why they are not a JSON object). An empty string
    is ``{}``, as OpenAI clients read it."""
    if isinstance(raw, dict):
        return raw, None
    if not isinstance(raw, str):
        return None, f"arguments are neither a JSON string nor an object: {raw!r:.200}"
    try:
        value = json.loads(raw) if raw.strip() else {}
    except json.JSONDecodeError as exc:
        return None, f"arguments do not parse as JSON ({exc}): {raw!r:.200}"
    if not isinstance(value, dict):
        return None, f"arguments are not a JSON object: {raw!r:.200}"
    return value, None


@dataclass(frozen=True)
class Usage:
    """Token counts as the format gives them (None: the format or the answer does not say).
    ``input`` includes cached input (Anthropic's cache read and creation tokens are added to it)."""

    input: Any
    output: Any
    total: Any = None
    reasoning: Any = None
    cached: Any = None
    cost: Any = None
    raw: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Answer:
    """One answer, plain or streamed, in format-neutral terms; ``raw`` is the body or the stream."""

    text: str
    reasoning: str
    calls: list[ToolCall]
    finish: Finish
    finish_raw: Any
    usage: Usage | None
    model: Any
    headers: httpx.Headers
    body: bytes
    raw: Any
    streamed: bool
    created: tuple[Any, ...] = ()
    """Every creation timestamp the answer carries (chat's ``created`` on the body or on every chunk, a
    Response's ``created_at`` on the object or every event's ``response``); () where the format has none."""


@dataclass(frozen=True)
class ErrorReply:
    """An error answer, read from the format's own envelope (``code`` and ``param`` are None where the
    envelope has no such field)."""

    status: int
    type: Any
    message: Any
    code: Any = None
    param: Any = None


class Driver(Protocol):
    """One wire format, behind the interface every format shares."""

    name: str
    """``chat``, ``messages`` or ``responses`` (the test ids)."""
    endpoint: str
    envelope: Literal["openai", "anthropic"]
    cost_always: bool
    """Whether the format's usage always carries ``cost`` (Chat Completions: the docs' cost metadata)."""
    timestamped: bool
    """Whether the format's answers carry a creation time (Anthropic messages have none)."""

    # ----- which models -----

    def models(self, discovery: Discovery) -> list[Model]:
        """Every available model serving the endpoint, sorted by id."""
        ...

    def served(self, api: ApiClient, model: Model) -> bool:
        """Whether the deployment serves ``model`` on the endpoint now (learnt once per session)."""
        ...

    def per_provider(self, discovery: Discovery, api: ApiClient) -> list[Model]:
        """One served model per provider."""
        ...

    def plain_model(self, discovery: Discovery, api: ApiClient) -> Model:
        """A served model that does not reason (skips when there is none)."""
        ...

    def tool_models(self, discovery: Discovery, api: ApiClient) -> list[Model]:
        """One tool-capable served model per provider (skips when there is none)."""
        ...

    def off_controls(self, model: Model) -> dict[str, Any]:
        """The request fields through which this format switches ``model``'s reasoning off ({}: none)."""
        ...

    # ----- requests -----

    def body(self, model: Model | str, prompt: Any = PROMPT, *, max_tokens: int | None = None,
             tools: Sequence[Tool] = (), tool_choice: ToolChoice | None = None, stream: bool = False,
             reasoning: bool | None = None, **extra: Any) -> dict[str, Any]:
        """A one-turn request. ``reasoning``: True switches reasoning on, False off, through the
        controls the model lists; None asks nothing. A streamed request asks for usage too."""
        ...

    def round_trip(self, body: dict[str, Any], calls: Sequence[ToolCall], results: Sequence[str]) -> dict[str, Any]:
        """``body`` continued with the assistant's ``calls`` and one tool result per call, each in the
        format's own shape."""
        ...

    def create(self, api: ApiClient, body: Any, **kwargs: Any) -> httpx.Response:
        """Send ``body`` as the format's clients do (non-stream)."""
        ...

    def stream(self, api: ApiClient, body: Any, **kwargs: Any) -> EventStream:
        """Send ``body`` with ``stream: true`` and collect every event."""
        ...

    # ----- answers -----

    def answer(self, response: httpx.Response) -> Answer:
        """A 200 non-stream answer, read."""
        ...

    def streamed(self, result: EventStream) -> Answer:
        """A collected stream, read (checking on the way what building the answer needs, e.g. that
        chat's tool-call fragments or Anthropic's blocks join)."""
        ...

    def grammar(self, result: EventStream) -> None:
        """A complete (200, not failed) stream keeps the format's stream grammar: the same checks the
        format's stream suite makes, applied to every stream a cross-format rule reads (tool calls,
        reasoning, usage…), so each grammar rule is checked on more than the plain per-provider streams."""
        ...

    def error(self, response: httpx.Response, contract: Contract, *, status: int) -> ErrorReply:
        """An error answer: ``status`` in the format's envelope (fails its envelope check otherwise)."""
        ...


class ModelChoice(Protocol):
    """How a format chooses its models (:mod:`suites.anthropic_stream` and :mod:`suites.responses_stream`
    offer these as module functions)."""

    def served(self, api: ApiClient, model: Model) -> bool:
        """Whether the deployment serves ``model`` on the format's endpoint now."""
        ...

    def per_provider(self, discovery: Discovery, api: ApiClient) -> list[Model]:
        """One served model per provider."""
        ...

    def plain_model(self, discovery: Discovery, api: ApiClient) -> Model:
        """A served model that does not reason (skips when there is none)."""
        ...

    def tool_models(self, discovery: Discovery, api: ApiClient) -> list[Model]:
        """One tool-capable served model per provider (skips when there is none)."""
        ...


class FormatDriver(Driver):
    """The part of :class:`Driver` every format implements the same way. A subclass sets ``name``,
    ``endpoint``, ``envelope``, ``cost_always``, ``selection`` (its :class:`ModelChoice`) and
    ``max_tokens_field``, says how its requests carry reasoning, tools and tool choice
    (:meth:`_reasoning_on`, :meth:`_tool`, :meth:`_tool_choice`), builds the body (:meth:`_build`), sends
    it and reads the answers."""

    envelope: Literal["openai", "anthropic"] = "openai"
    cost_always = False
    timestamped = True
    selection: ModelChoice
    max_tokens_field: str
    """The request field that bounds the answer's length (chat's ``max_completion_tokens``, …)."""

    def models(self, discovery: Discovery) -> list[Model]:
        return sorted(discovery.serving(self.endpoint), key=lambda m: m["id"])

    def served(self, api: ApiClient, model: Model) -> bool:
        return self.selection.served(api, model)

    def per_provider(self, discovery: Discovery, api: ApiClient) -> list[Model]:
        return self.selection.per_provider(discovery, api)

    def plain_model(self, discovery: Discovery, api: ApiClient) -> Model:
        return self.selection.plain_model(discovery, api)

    def tool_models(self, discovery: Discovery, api: ApiClient) -> list[Model]:
        return self.selection.tool_models(discovery, api)

    def off_controls(self, model: Model) -> dict[str, Any]:
        """By default the chat-style controls (:func:`reasoning_off`)."""
        return reasoning_off(model)

    def body(self, model: Model | str, prompt: Any = PROMPT, *, max_tokens: int | None = None,
             tools: Sequence[Tool] = (), tool_choice: ToolChoice | None = None, stream: bool = False,
             reasoning: bool | None = None, **extra: Any) -> dict[str, Any]:
        fields: dict[str, Any] = {}
        if reasoning is not None and not isinstance(model, str):
            fields.update(self._reasoning_on(model) if reasoning else self.off_controls(model))
        if max_tokens is not None:
            fields[self.max_tokens_field] = max_tokens
        if tools:
            fields["tools"] = [self._tool(t) for t in tools]
        if tool_choice is not None:
            fields["tool_choice"] = self._tool_choice(tool_choice)
        if stream:
            fields.update(self._stream_fields())
        return self._build(model, prompt, {**fields, **extra})

    def error(self, response: httpx.Response, contract: Contract, *, status: int) -> ErrorReply:
        if self.envelope == "anthropic":
            error = errors.anthropic_error(response, contract, status=status)
            return ErrorReply(status, error.get("type"), error.get("message"))
        error = errors.openai_error(response, contract, status=status)
        return ErrorReply(status, error.get("type"), error.get("message"), error.get("code"), error.get("param"))

    @abstractmethod
    def _reasoning_on(self, model: Model) -> dict[str, Any]:
        """The request fields that switch ``model``'s reasoning on in this format."""

    @abstractmethod
    def _tool(self, tool: Tool) -> dict[str, Any]:
        """``tool`` as this format's request declares it."""

    @abstractmethod
    def _tool_choice(self, choice: ToolChoice) -> Any:
        """``choice`` in this format's ``tool_choice`` shape."""

    def _stream_fields(self) -> dict[str, Any]:
        """The fields that make a request streamed."""
        return {"stream": True}

    @abstractmethod
    def _build(self, model: Model | str, prompt: Any, fields: dict[str, Any]) -> dict[str, Any]:
        """The format's request body for ``model`` and ``prompt``, with ``fields``."""


def run(driver: Driver, api: ApiClient, body: dict[str, Any], *, stream: bool) -> Answer:
    """Send ``body`` plain or streamed and read the 200 answer (a non-200 fails the calling test)."""
    if stream:
        result = driver.stream(api, body)
        driver.grammar(result)
        return driver.streamed(result)
    response = driver.create(api, body)
    assert response.status_code == 200, f"{driver.endpoint}: expected 200, got {response.status_code}: " \
                                        f"{response.text[:300]!r}"
    return driver.answer(response)


def _switch(model: Model) -> dict[str, Any] | None:
    """The ``enabled`` property of the model's ``reasoning`` object parameter, if it lists one."""
    enabled = ((param(model, "reasoning") or {}).get("properties") or {}).get("enabled")
    return enabled if isinstance(enabled, dict) else None


def reasoning_off(model: Model) -> dict[str, Any]:
    """Request fields that switch the model's reasoning off, for the chat-style controls it lists:
    ``enable_thinking: false``, ``reasoning_effort: "none"`` (when its enum has ``none``),
    ``reasoning: {"enabled": false}`` (when its ``reasoning`` object has ``enabled``)."""
    extra: dict[str, Any] = {}
    if "enable_thinking" in param_names(model):
        extra["enable_thinking"] = False
    if "none" in ((param(model, "reasoning_effort") or {}).get("enum") or ()):
        extra["reasoning_effort"] = "none"
    if _switch(model) is not None:
        extra["reasoning"] = {"enabled": False}
    return extra


def reasons_by_default(model: Model) -> bool:
    """Whether the catalog says ``model`` reasons unless told not to: a ``default_params`` or parameter
    default of ``enable_thinking: true`` or ``reasoning.enabled: true``."""
    defaults = model.get("default_params") or {}
    thinking = param(model, "enable_thinking") or {}
    return bool(defaults.get("enable_thinking") is True or thinking.get("default") is True
                or (_switch(model) or {}).get("default") is True)


def switchable_reasoners(models: Sequence[Model], off: Callable[[Model], dict[str, Any]]) -> list[Model]:
    """The models that reason (``capabilities.thinking``) and whose reasoning ``off(model)`` can switch
    off (it gives some request fields): those that reason by default first (switching them off is what
    can be seen to fail), then those with chat-style controls, then by id."""
    found = [m for m in models if (m.get("capabilities") or {}).get("thinking") and off(m)]
    return sorted(found, key=lambda m: (not reasons_by_default(m), not reasoning_off(m), m["id"]))
