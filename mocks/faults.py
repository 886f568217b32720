"""Fault injection: what goes wrong, and how a reply is paced, for one request.

A request's :class:`Plan` comes from ``[[mock:...]]`` directives in its last user text, overlaid by a
fault queued on the family's control endpoint (``PUT /__mock__/faults``). Directives::

    [[mock:fault=status:500]]      answer with that HTTP status in the provider's error envelope
    [[mock:fault=latency:300ms]]   wait before the response starts (``ms`` or ``s``; bare numbers are ms)
    [[mock:fault=hang]]            accept, then send nothing for 60 s (``hang:5s`` for another duration)
    [[mock:fault=cut:3]]           stream: close the connection abruptly after 3 events, no terminator
    [[mock:fault=malformed:2]]     stream: the 2nd event's data is not valid JSON
    [[mock:fault=stall:2]]         stream: after 2 events send nothing for 60 s, connection left open
    [[mock:fault=midstream:2]]     stream: after 2 events one error event in the provider's envelope, then end
    [[mock:chunk=5]]               stream pieces of 5 tokens (default 2)
    [[mock:pace=20ms]]             delay between stream events (default 0)
    [[mock:keepalive]]             ``: keep-alive`` SSE comments (non-stream: blank lines before the JSON)

Several directives combine; an unknown one is a :class:`DirectiveError` (the family answers 400).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, fields, replace

__all__ = ["DIRECTIVE_RE", "HANG_SECONDS", "DirectiveError", "FaultQueue", "Plan", "extract", "parse_faults", "plan_from"]

DIRECTIVE_RE = re.compile(r"\[\[mock:([^\[\]]*)\]\]")
HANG_SECONDS = 60.0
_DURATION_RE = re.compile(r"^(\d+(?:\.\d+)?)(ms|s)?$")


class DirectiveError(ValueError):
    """A directive or control-endpoint fault that does not parse."""


@dataclass(frozen=True)
class Plan:
    """How one request misbehaves; the defaults are a well-behaved upstream."""

    status: int | None = None
    latency: float = 0.0
    hang: float | None = None
    cut: int | None = None
    malformed: int | None = None
    stall: int | None = None
    midstream: int | None = None
    chunk: int = 2
    pace: float = 0.0
    keepalive: bool = False
    overridden: frozenset[str] = field(default=frozenset(), compare=False)

    def over(self, base: Plan) -> Plan:
        """``base`` with every field this plan set explicitly taking precedence."""
        return replace(base, **{name: getattr(self, name) for name in self.overridden},
                       overridden=base.overridden | self.overridden)


def _duration(value: str) -> float:
    match = _DURATION_RE.match(value.strip())
    if not match:
        raise DirectiveError(f"bad duration {value!r} (use e.g. 300ms or 2s)")
    number = float(match.group(1))
    return number if match.group(2) == "s" else number / 1000


def _positive(value: str, what: str) -> int:
    if not value.isdigit() or int(value) < 1:
        raise DirectiveError(f"{what} needs a positive integer, got {value!r}")
    return int(value)


def _fault(spec: str) -> dict[str, object]:
    kind, _, arg = spec.strip().partition(":")
    if kind == "status":
        code = _positive(arg, "status")
        if not 400 <= code <= 599:
            raise DirectiveError(f"status fault must be 4xx or 5xx, got {code}")
        return {"status": code}
    if kind == "latency":
        return {"latency": _duration(arg)}
    if kind == "hang":
        return {"hang": _duration(arg) if arg else HANG_SECONDS}
    if kind in ("cut", "malformed", "stall", "midstream"):
        return {kind: _positive(arg, kind)}
    raise DirectiveError(f"unknown fault {spec!r} (status, latency, hang, cut, malformed, stall, midstream)")


def _directive(body: str) -> dict[str, object]:
    name, eq, value = body.strip().partition("=")
    if name == "fault" and eq:
        return _fault(value)
    if name == "chunk" and eq:
        return {"chunk": _positive(value, "chunk")}
    if name == "pace" and eq:
        return {"pace": _duration(value)}
    if name == "keepalive" and not eq:
        return {"keepalive": True}
    raise DirectiveError(f"unknown mock directive [[mock:{body}]] (fault=..., chunk=N, pace=D, keepalive)")


def _plan(settings: dict[str, object]) -> Plan:
    known = {f.name for f in fields(Plan)}
    return Plan(**{k: v for k, v in settings.items() if k in known},  # type: ignore[arg-type]
                overridden=frozenset(settings))


def extract(text: str) -> tuple[str, list[str]]:
    """``text`` without its directives, and the directives' bodies in order."""
    return DIRECTIVE_RE.sub("", text), DIRECTIVE_RE.findall(text)


def plan_from(directives: list[str]) -> Plan:
    """The plan the directive bodies (``fault=cut:3``, ``chunk=5`` ...) describe."""
    settings: dict[str, object] = {}
    for body in directives:
        settings.update(_directive(body))
    return _plan(settings)


def parse_faults(spec: str) -> Plan:
    """A control-endpoint fault: one or more space-separated specs such as ``status:503`` or
    ``latency:200ms cut:3``."""
    settings: dict[str, object] = {}
    for part in spec.split():
        settings.update(_fault(part))
    if not settings:
        raise DirectiveError("empty fault")
    return _plan(settings)


@dataclass
class FaultQueue:
    """The fault queued through the control endpoint, applied to the next ``remaining`` API requests."""

    spec: str = ""
    plan: Plan | None = None
    remaining: int = 0

    def set(self, spec: str, times: int) -> None:
        self.spec, self.plan, self.remaining = spec, parse_faults(spec), times

    def clear(self) -> None:
        self.spec, self.plan, self.remaining = "", None, 0

    def take(self) -> Plan | None:
        """The queued plan for this request, counting it down; ``None`` when nothing is queued."""
        if self.plan is None or self.remaining <= 0:
            return None
        plan = self.plan
        self.remaining -= 1
        if self.remaining == 0:
            self.clear()
        return plan

    def describe(self) -> dict[str, object]:
        return {"fault": self.spec or None, "remaining": self.remaining}
