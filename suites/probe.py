"""What a deployment serves when its ``GET /v1/models`` is a plain list, learnt by asking each model.

A plain OpenAI list (``{"object": "list", "data": [{"id", "object", "created", "owned_by"}]}``) or an
Anthropic one (``{"data": [{"type": "model", "id", ...}], "has_more", "first_id", "last_id"}``) names
models but not what they serve. :class:`Prober` sends a model one minimal request per generation endpoint
and, where that was answered, one streamed request and one offering a tool. :func:`entry` turns the
answers into a catalog-like entry (``endpoints``, ``available``, ``capabilities``, ``supported_parameters``)
so discovery and selection treat it like a catalog entry; the findings stay under :data:`PROBE`.
:func:`fetch_listing` reads the listing and tells its shape. Probing is bounded and done once per session
by :mod:`suites.discovery`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

import httpx

from suites.client import ApiClient, AuthStyle
from suites.tools import WEATHER

__all__ = [
    "CATALOG_MARKERS",
    "CHAT",
    "DIRECTIVE",
    "ENDPOINTS",
    "MESSAGES",
    "PROBE",
    "RESPONSES",
    "EndpointResult",
    "Listing",
    "ListingError",
    "Prober",
    "entry",
    "fetch_listing",
    "probed",
]

CHAT = "/v1/chat/completions"
MESSAGES = "/v1/messages"
RESPONSES = "/v1/responses"
ENDPOINTS = (CHAT, MESSAGES, RESPONSES)
PROBE = "x-empirio-probe"
"""The key of a probed entry holding what each endpoint's probes found (an :class:`EndpointResult` each)."""

CATALOG_MARKERS = ("endpoints", "available")
"""An entry carrying these is an EmpirioLabs catalog entry: discovery reads it as it is."""

_ANTHROPIC_VERSION = "2023-06-01"
_PROMPT = "Say hello in one short sentence."
_TOOL_PROMPT = "What is the weather in Paris right now? Use the get_weather tool."
_MAX_PAGES = 5
DIRECTIVE = "[[mock:fault=status:400]]"
"""A mock directive with a visible effect: the mocks answer 400 instead of the reply."""


class ListingError(AssertionError):
    """``GET /v1/models`` did not answer with a list of models."""


@dataclass(frozen=True)
class Listing:
    """The deployment's ``GET /v1/models``: its ``shape`` (``catalog``, ``openai``, ``anthropic`` or
    ``other``), the entries as listed, and the EmpirioLabs fields no entry carries."""

    shape: str
    entries: list[dict[str, Any]]
    missing: tuple[str, ...] = ()
    note: str = ""  # why there is no listing (shape ``none``: only --model pins are used)

    @property
    def plain(self) -> bool:
        return self.shape != "catalog"

    def describe(self) -> str:
        if self.shape == "none":
            return f"unusable ({self.note})"
        kind = {"catalog": "an EmpirioLabs catalog", "openai": "a plain OpenAI model list",
                "anthropic": "a plain Anthropic model list"}.get(self.shape, "a model list of unknown shape")
        count = len(self.entries)
        return f"{kind} ({count} model{'' if count == 1 else 's'})"

    def catalog_failure(self) -> str:
        """One line saying why the catalog checks cannot pass on a plain listing."""
        fields = ", ".join(self.missing) or "endpoints, available"
        return (f"GET /v1/models is {self.describe()}: its entries lack the EmpirioLabs catalog fields {fields} "
                f"(the contract's Model schema requires them), so the catalog checks fail; the generation "
                f"suites ran on what probing the listed models showed")


def _shape(body: dict[str, Any], entries: list[dict[str, Any]]) -> str:
    if any(all(k in e for k in CATALOG_MARKERS) for e in entries):
        return "catalog"
    if "has_more" in body or any(e.get("type") == "model" for e in entries):
        return "anthropic"
    if body.get("object") == "list" or any(e.get("object") == "model" for e in entries):
        return "openai"
    return "other"


def _page(api: ApiClient, params: dict[str, str]) -> httpx.Response:
    response = api.get("/v1/models", params=params)
    if response.status_code in (401, 403):  # an Anthropic-style deployment authenticates with x-api-key
        retry = api.get("/v1/models", params=params, auth="x-api-key",
                        headers={"anthropic-version": _ANTHROPIC_VERSION})
        if retry.status_code == 200:
            return retry
    return response


def fetch_listing(api: ApiClient, required: tuple[str, ...] = ()) -> Listing:
    """``GET /v1/models`` (following an Anthropic listing's ``has_more`` for a few pages). ``required`` are
    the fields the contract requires of a catalog entry; those no entry carries are :attr:`Listing.missing`."""
    params: dict[str, str] = {}
    data: list[Any] = []
    body: Any = None
    for _ in range(_MAX_PAGES):
        response = _page(api, params)
        try:
            body = response.json()
        except ValueError:
            body = None
        if response.status_code != 200 or not isinstance(body, dict) or not isinstance(body.get("data"), list):
            raise ListingError(f"GET /v1/models answered {response.status_code} "
                               f"{response.headers.get('content-type', '')!r}: {response.text[:200]!r}")
        data.extend(body["data"])
        if not (body.get("has_more") and body.get("last_id")):
            break
        params = {"after_id": str(body["last_id"])}
    entries = [e for e in data if isinstance(e, dict)]
    shape = _shape(body, entries)
    if shape == "catalog":
        return Listing(shape, entries)
    present = {k for e in entries for k in e}
    return Listing(shape, entries, tuple(f for f in required if f not in present))


@dataclass(frozen=True)
class EndpointResult:
    """What probing one model on one endpoint showed; ``status`` is the minimal request's (0: no answer)."""

    status: int
    served: bool
    streams: bool = False
    tools: bool = False
    reasoning: bool = False

    def summary(self) -> str:
        if not self.served:
            return f"not served ({self.status or 'no answer'})"
        found = [name for name, on in (("stream", self.streams), ("tools", self.tools),
                                       ("reasoning", self.reasoning)) if on]
        return "served" + (f" ({', '.join(found)})" if found else "")


def _first_choice_message(body: dict[str, Any]) -> dict[str, Any]:
    choices = body.get("choices") or [{}]
    message = choices[0].get("message") if isinstance(choices[0], dict) else None
    return message if isinstance(message, dict) else {}


def _blocks(body: dict[str, Any], key: str) -> list[dict[str, Any]]:
    value = body.get(key)
    return [b for b in value if isinstance(b, dict)] if isinstance(value, list) else []


def _reasoning_tokens(body: dict[str, Any], details: str) -> int:
    usage = body.get("usage") if isinstance(body.get("usage"), dict) else {}
    value = (usage.get(details) or {}).get("reasoning_tokens") if isinstance(usage, dict) else None
    return value if isinstance(value, int) else 0


@dataclass(frozen=True)
class _Format:
    """How one endpoint is asked and how its answer is read."""

    path: str
    body: Callable[[str, str, bool], dict[str, Any]]
    answered: Callable[[dict[str, Any]], bool]
    reasons: Callable[[dict[str, Any]], bool]
    calls_tool: Callable[[dict[str, Any]], bool]
    auth: AuthStyle = "bearer"
    headers: dict[str, str | bytes] = field(default_factory=dict)
    limit: str | None = None  # the output-limit field, dropped on a retry when a 400 may be about it


def _chat_body(model: str, text: str, tool: bool) -> dict[str, Any]:
    body: dict[str, Any] = {"model": model, "messages": [{"role": "user", "content": text}],
                            "max_tokens": 64 if tool else 16}
    return {**body, "tools": [WEATHER.chat()]} if tool else body


def _messages_body(model: str, text: str, tool: bool) -> dict[str, Any]:
    body: dict[str, Any] = {"model": model, "max_tokens": 64 if tool else 16,
                            "messages": [{"role": "user", "content": text}]}
    return {**body, "tools": [WEATHER.messages()]} if tool else body


def _responses_body(model: str, text: str, tool: bool) -> dict[str, Any]:
    body: dict[str, Any] = {"model": model, "input": text, "max_output_tokens": 64 if tool else 16}
    return {**body, "tools": [WEATHER.responses()]} if tool else body


_FORMATS: dict[str, _Format] = {
    CHAT: _Format(
        CHAT, _chat_body,
        answered=lambda b: isinstance(b.get("choices"), list) and bool(b["choices"]),
        reasons=lambda b: bool(_first_choice_message(b).get("reasoning_content"))
        or _reasoning_tokens(b, "completion_tokens_details") > 0,
        calls_tool=lambda b: bool(_first_choice_message(b).get("tool_calls")),
        limit="max_tokens",
    ),
    MESSAGES: _Format(
        MESSAGES, _messages_body,
        answered=lambda b: b.get("type") == "message" and isinstance(b.get("content"), list),
        reasons=lambda b: any(x.get("type") in ("thinking", "redacted_thinking") for x in _blocks(b, "content")),
        calls_tool=lambda b: any(x.get("type") == "tool_use" for x in _blocks(b, "content")),
        auth="x-api-key", headers={"anthropic-version": _ANTHROPIC_VERSION},
    ),
    RESPONSES: _Format(
        RESPONSES, _responses_body,
        answered=lambda b: b.get("object") == "response" and isinstance(b.get("output"), list),
        reasons=lambda b: any(x.get("type") == "reasoning" for x in _blocks(b, "output"))
        or _reasoning_tokens(b, "output_tokens_details") > 0,
        calls_tool=lambda b: any(x.get("type") == "function_call" for x in _blocks(b, "output")),
        limit="max_output_tokens",
    ),
}


class Prober:
    """Minimal requests to a deployment, counted in :attr:`requests`."""

    def __init__(self, api: ApiClient) -> None:
        self.api = api
        self.requests = 0

    def _send(self, fmt: _Format, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        self.requests += 1
        try:
            response = self.api.post(fmt.path, json=body, auth=fmt.auth, headers=dict(fmt.headers))
        except httpx.HTTPError:
            return 0, {}
        try:
            payload = response.json()
        except ValueError:
            payload = None
        return response.status_code, payload if isinstance(payload, dict) else {}

    def _streams(self, fmt: _Format, body: dict[str, Any]) -> bool:
        self.requests += 1
        try:
            with self.api.stream("POST", fmt.path, json={**body, "stream": True}, auth=fmt.auth,
                                 headers=dict(fmt.headers)) as response:
                raw = b"".join(response.iter_bytes())
                kind = response.headers.get("content-type", "")
                return response.status_code == 200 and kind.startswith("text/event-stream") and b"data:" in raw
        except httpx.HTTPError:
            return False

    def endpoint(self, path: str, model: str) -> EndpointResult:
        """Probe ``model`` on ``path``: a minimal request, then (if answered) a stream and a tool offer."""
        fmt = _FORMATS[path]
        body = fmt.body(model, _PROMPT, False)
        status, answer = self._send(fmt, body)
        if status == 400 and fmt.limit:  # some deployments refuse the limit field for some models
            body = {k: v for k, v in body.items() if k != fmt.limit}
            status, answer = self._send(fmt, body)
        if status != 200 or not fmt.answered(answer):
            return EndpointResult(status, served=False)
        streams = self._streams(fmt, body)
        tool_status, tool_answer = self._send(fmt, fmt.body(model, _TOOL_PROMPT, True))
        return EndpointResult(status, served=True, streams=streams,
                              tools=tool_status == 200 and fmt.calls_tool(tool_answer), reasoning=fmt.reasons(answer))

    def changes_answer(self, path: str, model: str, *, suffix: str = "",
                       headers: dict[str, str] | None = None) -> bool | None:
        """Whether adding ``suffix`` to the prompt or sending ``headers`` makes a plain request to ``model``
        on ``path`` fail: a plain request is answered 200, the altered one is not (None: the plain one
        failed, so nothing can be told)."""
        fmt = _FORMATS[path]
        plain, _ = self._send(fmt, fmt.body(model, _PROMPT, False))
        if plain != 200:
            return None
        altered = replace(fmt, headers={**fmt.headers, **(headers or {})})
        answered, _ = self._send(altered, fmt.body(model, f"{_PROMPT} {suffix}".strip(), False))
        return answered != 200

    def model(self, model: str) -> dict[str, EndpointResult]:
        """Every generation endpoint's result for ``model``."""
        return {path: self.endpoint(path, model) for path in ENDPOINTS}


def entry(listed: dict[str, Any], results: dict[str, EndpointResult], *, owner: str) -> dict[str, Any]:
    """A catalog-like entry for a listed model from its probe ``results``; ``owner`` fills ``owned_by``
    when the listing has none."""
    served = [path for path, r in results.items() if r.served]
    tools = any(results[p].tools for p in served)
    return {
        **listed,
        "owned_by": str(listed.get("owned_by") or owner),
        "endpoints": served,
        "available": bool(served),
        "capabilities": {"streaming": any(results[p].streams for p in served), "tool_calling": tools,
                         "thinking": any(results[p].reasoning for p in served)},
        "supported_parameters": [{"name": "tools"}] if tools else [],
        PROBE: results,
    }


def probed(model: dict[str, Any], endpoint: str) -> EndpointResult | None:
    """What probing showed for ``model`` on ``endpoint`` (None: the entry came from a catalog)."""
    results = model.get(PROBE)
    return results.get(endpoint) if isinstance(results, dict) else None
