"""Stream events in neutral form: what an upstream adapter yields and a format's stream encoder consumes."""

from __future__ import annotations

from dataclasses import dataclass

from gateway.ir.chat import Finish, Usage

__all__ = ["Finished", "ReasoningDelta", "ReasoningSigned", "StreamEvent", "TextDelta", "ToolArgsDelta", "ToolCallStart", "UsageReport"]


@dataclass(frozen=True, slots=True)
class TextDelta:
    text: str


@dataclass(frozen=True, slots=True)
class ReasoningDelta:
    text: str


@dataclass(frozen=True, slots=True)
class ReasoningSigned:
    """The upstream's signature of the reasoning just streamed (Anthropic's ``signature_delta``), D-62."""

    signature: str


@dataclass(frozen=True, slots=True)
class ToolCallStart:
    index: int
    id: str
    name: str


@dataclass(frozen=True, slots=True)
class ToolArgsDelta:
    index: int
    fragment: str


@dataclass(frozen=True, slots=True)
class Finished:
    finish: Finish
    stop_sequence: str | None = None


@dataclass(frozen=True, slots=True)
class UsageReport:
    usage: Usage


StreamEvent = TextDelta | ReasoningDelta | ReasoningSigned | ToolCallStart | ToolArgsDelta | Finished | UsageReport
