"""What the deployment offers, learnt from ``GET /v1/models`` — suites never hard-code model ids.

When the listing is an EmpirioLabs catalog (entries carry ``endpoints``, ``available``, ``capabilities``,
``supported_parameters``) it is used as it is. When it is a plain OpenAI or Anthropic list, up to
``--probe-limit`` listed models are probed once per endpoint (:mod:`suites.probe`) and the answers stand in
for the catalog fields. ``--model ROLE=ID`` pins a model for a role (:data:`ROLES`); pins win over both.
:func:`lacking` words a skip so it names what is missing and how it was looked for.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from suites.client import ApiClient
from suites.contract import Violation
from suites.probe import (
    CHAT,
    ENDPOINTS,
    MESSAGES,
    PROBE,
    RESPONSES,
    Listing,
    ListingError,
    Prober,
    entry,
    fetch_listing,
    probed,
)
from suites.recorder import Recorder

__all__ = [
    "CHAT",
    "DEFAULT_PROBE_LIMIT",
    "PINNED",
    "ROLES",
    "Discovery",
    "discover",
    "lacking",
    "param",
    "param_names",
    "parse_pins",
    "reasons_unasked",
]

_REASONING_CONTROLS = ("reasoning_effort", "enable_thinking", "thinking_budget")
DEFAULT_PROBE_LIMIT = 4
ROLES: dict[str, str | None] = {"chat": CHAT, "messages": MESSAGES, "responses": RESPONSES,
                                "reasoning": None, "tools": None}
"""The roles ``--model`` can pin, with the endpoint each stands for (None: any endpoint the model serves)."""
PINNED = "x-empirio-pinned"
"""The key of a pinned model's entry naming the role it was pinned for."""
_ENDPOINT_ROLE = {path: role for role, path in ROLES.items() if path}


def parse_pins(text: str | None) -> dict[str, str]:
    """``chat=ID,tools=ID,...`` as ``{role: id}``; a ValueError names a bad item."""
    pins: dict[str, str] = {}
    for item in filter(None, (part.strip() for part in (text or "").split(","))):
        role, sep, model_id = item.partition("=")
        if not sep or role.strip() not in ROLES or not model_id.strip():
            raise ValueError(f"bad --model item {item!r}: expected ROLE=ID with ROLE one of {', '.join(ROLES)}")
        pins[role.strip()] = model_id.strip()
    return pins


def param_names(model: dict[str, Any]) -> set[str]:
    """The names a model lists in ``supported_parameters``."""
    return {p.get("name", "") for p in model.get("supported_parameters", ()) if isinstance(p, dict)}


def param(model: dict[str, Any], name: str) -> dict[str, Any] | None:
    """The model's ``supported_parameters`` entry named ``name`` (None when not listed)."""
    for p in model.get("supported_parameters", ()):
        if isinstance(p, dict) and p.get("name") == name:
            return p
    return None


def _thinks(model: dict[str, Any]) -> bool:
    return bool((model.get("capabilities") or {}).get("thinking"))


def reasons_unasked(model: dict[str, Any], endpoint: str) -> bool:
    """Whether probing saw ``model`` reason on ``endpoint`` without being asked to."""
    result = probed(model, endpoint)
    return result is not None and result.reasoning


def _streams_if_probed(model: dict[str, Any]) -> bool:
    """Whether probing saw ``model`` stream Chat Completions (True for catalog entries: the catalog decides)."""
    result = probed(model, CHAT)
    return result is None or result.streams


def _calls_tools(model: dict[str, Any], endpoint: str) -> bool:
    result = probed(model, endpoint)
    if result is not None and PINNED not in model:
        return result.tools
    return bool((model.get("capabilities") or {}).get("tool_calling")) and "tools" in param_names(model)


@dataclass(frozen=True)
class Discovery:
    """The models a session runs on. ``source`` says how they were learnt: ``catalog`` (the listing's
    EmpirioLabs fields) or ``probe`` (minimal requests to the listed models); ``pins`` are the models
    ``--model`` named, by role, and win over both."""

    models: list[dict[str, Any]]
    source: str = "catalog"
    listing: Listing | None = None
    pins: dict[str, dict[str, Any]] = field(default_factory=dict)
    probe_limit: int = DEFAULT_PROBE_LIMIT
    probe_requests: int = 0
    listing_violations: list[Violation] = field(default_factory=list)
    probe_violations: list[Violation] = field(default_factory=list)

    def ids(self) -> list[str]:
        return [m["id"] for m in self.models]

    def pinned(self, role: str, endpoint: str | None = None) -> dict[str, Any] | None:
        """The model pinned for ``role`` (None if none, or if it does not serve ``endpoint``)."""
        model = self.pins.get(role)
        if model is None or (endpoint is not None and endpoint not in model.get("endpoints", ())):
            return None
        return model

    def serving(self, endpoint: str, *, available: bool = True) -> list[dict[str, Any]]:
        """Models that serve ``endpoint`` (a path such as ``/v1/chat/completions``)."""
        pin = self.pins.get(_ENDPOINT_ROLE.get(endpoint, ""))
        if pin is not None:
            return [pin]
        return [m for m in self.models if endpoint in m.get("endpoints", ()) and (m.get("available") or not available)]

    def sample(self, limit: int) -> list[dict[str, Any]]:
        """Up to ``limit`` models, spread over providers and categories, in a stable order."""
        seen: set[tuple[str, str]] = set()
        first: list[dict[str, Any]] = []
        rest: list[dict[str, Any]] = []
        for m in self.models:
            key = (m.get("owned_by", ""), m.get("category", ""))
            (rest if key in seen else first).append(m)
            seen.add(key)
        return (first + rest)[:limit]

    def lacks_field(self, what: str, fields: str) -> str:
        """A skip reason for a check that needs ``what``, which only the catalog fields ``fields`` declare."""
        if self.listing is not None and self.listing.plain:
            return f"needs {what}, which only an EmpirioLabs catalog declares: GET /v1/models is " \
                   f"{self.listing.describe()} without {fields}"
        return f"the deployment's catalog lists no {what}"

    def calls_tools(self, model: dict[str, Any], endpoint: str) -> bool:
        """Whether ``model`` calls tools on ``endpoint``: the catalog's ``capabilities.tool_calling`` and
        ``tools`` in supported_parameters, what probing showed, or a ``tools`` pin."""
        return _calls_tools(model, endpoint)

    # ----- Chat Completions: stable choices, by what the catalog says (never by hard-coded ids) -----

    def chat_models(self) -> list[dict[str, Any]]:
        """Available models serving Chat Completions, sorted by id."""
        return sorted(self.serving(CHAT), key=lambda m: m["id"])

    def per_provider(self, models: list[dict[str, Any]] | None = None) -> list[dict[str, Any]]:
        """One representative per ``owned_by`` (the first id in sorted order), sorted by provider."""
        chosen: dict[str, dict[str, Any]] = {}
        for m in sorted(self.chat_models() if models is None else models, key=lambda m: m["id"]):
            chosen.setdefault(str(m.get("owned_by", "")), m)
        return [chosen[k] for k in sorted(chosen)]

    def plain_chat_model(self) -> dict[str, Any] | None:
        """The simplest chat route: a model that does not reason, preferably one owned by ``openai``."""
        plain = [m for m in self.chat_models() if not _thinks(m)]
        pool = plain or self.chat_models()
        if not pool:
            return None
        return min(pool, key=lambda m: (not _streams_if_probed(m), m.get("owned_by") != "openai", m["id"]))

    def thinking_models(self) -> list[dict[str, Any]]:
        """Chat models whose ``capabilities.thinking`` is true (or the ``reasoning`` pin)."""
        pin = self.pinned("reasoning", CHAT)
        return [pin] if pin is not None else [m for m in self.chat_models() if _thinks(m)]

    def deepseek_style_reasoners(self) -> list[dict[str, Any]]:
        """Chat models that report ``reasoning_content``: they list a reasoning control
        (``reasoning_effort``, ``enable_thinking``, ``thinking_budget``) or their id names a reasoner
        (``reasoner``, ``r1``). Ids naming a reasoner first (they reason without being asked). A
        ``reasoning`` pin serving chat is the only one. Models with Anthropic ``thinking`` are not DeepSeek-style
        (their portable controls are D-51's checks)."""
        pin = self.pinned("reasoning", CHAT)
        if pin is not None:
            return [pin]
        found = [m for m in self.chat_models() if "thinking" not in param_names(m)
                 and param_names(m) & set(_REASONING_CONTROLS)
                 or "reasoner" in m["id"] or "r1" in m["id"] or reasons_unasked(m, CHAT)]
        return sorted(found, key=lambda m: (not ("reasoner" in m["id"] or "r1" in m["id"]), m["id"]))

    def tool_models(self) -> list[dict[str, Any]]:
        """Chat models that call tools: ``capabilities.tool_calling`` and ``tools`` in supported_parameters
        (probed: a tool call came back; or the ``tools`` pin)."""
        pin = self.pinned("tools", CHAT)
        return [pin] if pin is not None else [m for m in self.chat_models() if _calls_tools(m, CHAT)]

    def non_chat_models(self) -> list[dict[str, Any]]:
        """Available models that do not serve Chat Completions, sorted by id (probed: only when some other
        probed model does serve it, so the endpoint exists)."""
        if self.source == "probe" and not any(CHAT in m.get("endpoints", ()) for m in self.models):
            return []
        return sorted((m for m in self.models if m.get("available") and CHAT not in m.get("endpoints", ())),
                      key=lambda m: m["id"])

    # ----- what the session header and summary say ------------------------------------------------

    def how(self, role: str) -> str:
        return "option" if role in self.pins else self.source

    def role_models(self, role: str) -> list[dict[str, Any]]:
        """The models that can play ``role`` (an endpoint's, or any endpoint's tool or reasoning models)."""
        if role in self.pins:
            return [self.pins[role]]
        endpoint = ROLES[role]
        if endpoint is not None:
            return self.serving(endpoint)
        test = (lambda m: any(_calls_tools(m, e) for e in m.get("endpoints", ()))) if role == "tools" else _thinks
        return [m for m in self.models if m.get("available") and test(m)]

    def summary(self) -> str:
        """What was discovered and how, in one line (the report's environment block)."""
        return " | ".join(" ".join(line.split()) for line in self.report()[: 1 + len(ROLES)])

    def report(self) -> list[str]:
        """Lines saying what was discovered and how."""
        listing = self.listing.describe() if self.listing else "the catalog"
        if self.source == "catalog":
            lines = [f"discovery: catalog — GET /v1/models is {listing}"]
        else:
            lines = [f"discovery: probe — GET /v1/models is {listing}; {self.probe_summary()}"]
        for role in ROLES:
            ids = sorted(m["id"] for m in self.role_models(role))
            shown = ", ".join(ids[:4]) + (", …" if len(ids) > 4 else "")
            lines.append(f"  {role:<9} [{self.how(role)}] {len(ids)}{': ' + shown if ids else ''}")
        if self.source == "probe":
            for m in sorted(self.models, key=lambda m: m["id"]):
                found = "; ".join(f"{path} {result.summary()}" for path, result in m[PROBE].items())
                lines.append(f"  probed {m['id']}: {found}")
        return lines

    def probed_all(self) -> bool:
        return self.listing is None or len(self.models) >= len(self.listing.entries)

    def probe_summary(self) -> str:
        listed = len(self.listing.entries) if self.listing else len(self.models)
        return (f"{len(self.models)} of {listed} listed models probed (--probe-limit {self.probe_limit}), "
                f"{self.probe_requests} probe requests")


_ACTIVE: list[Discovery] = []


def activate(discovery: Discovery) -> Discovery:
    """Make ``discovery`` the one :func:`lacking` words its skips for (one per session)."""
    _ACTIVE[:] = [discovery]
    return discovery


def _role_for(what: str) -> str:
    """The ``--model`` role that would supply a model described as ``what``."""
    for word, role in (("tool", "tools"), ("reason", "reasoning"), (MESSAGES, "messages"),
                       (RESPONSES, "responses"), ("chat", "chat"), ("Chat", "chat")):
        if word in what:
            return role
    return "ROLE"


def lacking(what: str, role: str | None = None) -> str:
    """A skip reason: no ``what`` was found, said with how models were looked for, and how to pin one."""
    pin = f"--model {role or _role_for(what)}=ID"
    discovery = _ACTIVE[0] if _ACTIVE else None
    if discovery is not None and discovery.source == "probe":
        more = "" if discovery.probed_all() else "raise --probe-limit or "
        return f"no {what} among the probed models ({discovery.probe_summary()}); {more}pin one with {pin}"
    return f"the deployment's catalog (/v1/models) lists no {what}; pin one with {pin}"


@contextmanager
def _aside(recorder: Recorder | None, into: list[Violation]) -> Iterator[None]:
    """Move the contract violations recorded inside the block into ``into``: they belong to a shared
    fetch, not to whichever test is running."""
    before = len(recorder.violations) if recorder else 0
    try:
        yield
    finally:
        if recorder is not None:
            into.extend(recorder.violations[before:])
            del recorder.violations[before:]


_NOT_TEXT = ("embed", "whisper", "tts", "dall-e", "image", "moderation", "transcribe", "audio", "realtime",
             "search", "rerank", "babbage", "davinci", "sora", "video", "speech")
"""Id fragments of models that are probably not text generators: probed last, so a small --probe-limit is
spent on models the generation suites can use (a plain listing names no category)."""


def _spread(entries: list[dict[str, Any]], limit: int) -> list[dict[str, Any]]:
    """Up to ``limit`` entries in id order (probably-not-text ids last), one per ``owned_by`` in turn."""
    groups: dict[str, list[dict[str, Any]]] = {}
    for e in sorted(entries, key=lambda e: (any(w in str(e.get("id")).lower() for w in _NOT_TEXT), str(e.get("id")))):
        groups.setdefault(str(e.get("owned_by", "")), []).append(e)
    chosen: list[dict[str, Any]] = []
    while len(chosen) < limit and any(groups.values()):
        for owner in sorted(groups):
            if groups[owner] and len(chosen) < limit:
                chosen.append(groups[owner].pop(0))
    return chosen


def _pin(base: dict[str, Any], role: str) -> dict[str, Any]:
    """``base`` as the model pinned for ``role``: it serves the role's endpoint and has its capability."""
    endpoint = ROLES[role]
    endpoints = list(base.get("endpoints") or [])
    if endpoint is not None and endpoint not in endpoints:
        endpoints.append(endpoint)
    capabilities = dict(base.get("capabilities") or {})
    params = list(base.get("supported_parameters") or [])
    if role == "tools":
        capabilities["tool_calling"] = True
        if "tools" not in param_names(base):
            params.append({"name": "tools"})
    if role == "reasoning":  # the formats' own switches: Messages' thinking, Responses' reasoning
        capabilities["thinking"] = True
        params.extend({"name": name} for name in ("thinking", "reasoning") if name not in param_names(base))
    return {**base, "owned_by": str(base.get("owned_by") or "pinned"), "endpoints": endpoints or list(ENDPOINTS),
            "available": True, "capabilities": capabilities, "supported_parameters": params, PINNED: role}


def _model_required() -> tuple[str, ...]:
    from suites.contract import load_contract

    try:
        return tuple(load_contract().spec["components"]["schemas"]["Model"]["required"])
    except (KeyError, TypeError):
        return ()


def discover(api: ApiClient, *, pins: dict[str, str] | None = None, probe_limit: int = DEFAULT_PROBE_LIMIT,
             recorder: Recorder | None = None) -> Discovery:
    """What the deployment serves: its catalog, else what probing up to ``probe_limit`` listed models
    showed; ``pins`` (role → id) win. With ``recorder``, the violations of these shared fetches are kept
    on the result instead of being charged to a test. A listing that is no list raises ListingError."""
    listing_violations: list[Violation] = []
    probe_violations: list[Violation] = []
    with _aside(recorder, listing_violations):
        try:
            listing = fetch_listing(api, _model_required())
        except ListingError as exc:
            if not pins:
                raise ListingError(f"{exc}; pin models with --model chat=ID,messages=ID,...") from None
            listing = Listing("none", [], note=str(exc))
    prober = Prober(api)
    owner = "anthropic" if listing.shape == "anthropic" else "unknown"
    with _aside(recorder, probe_violations):
        if listing.plain:
            models = [entry(e, prober.model(str(e["id"])), owner=owner)
                      for e in _spread([e for e in listing.entries if isinstance(e.get("id"), str)], probe_limit)]
        else:
            models = listing.entries
        known = {str(m.get("id")): m for m in (*listing.entries, *models)}
        chosen: dict[str, dict[str, Any]] = {}
        for role, model_id in (pins or {}).items():
            base = next((m for m in models if m.get("id") == model_id), None)
            if base is None:
                listed = known.get(model_id, {"id": model_id, "object": "model"})
                base = entry(listed, prober.model(model_id), owner=owner if model_id in known else "pinned")
            chosen[role] = _pin(base, role)
    return Discovery(models=list(models), source="probe" if listing.plain else "catalog", listing=listing,
                     pins=chosen, probe_limit=probe_limit, probe_requests=prober.requests,
                     listing_violations=listing_violations, probe_violations=probe_violations)
