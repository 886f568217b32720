"""One driver per wire format, all with the same interface (:class:`~suites.drivers.base.Driver`).

``DRIVERS`` maps each format's name (``chat``, ``messages``, ``responses``, the ids of tests
parametrised over the formats) to its driver, so a rule that holds for every format is written once
and run with each of them.
"""

from __future__ import annotations

from suites.drivers.base import (
    PROMPT,
    Answer,
    Driver,
    ErrorReply,
    Finish,
    Model,
    Named,
    ToolCall,
    ToolChoice,
    Usage,
    parse_arguments,
    reasoning_off,
    run,
    switchable_reasoners,
)
from suites.drivers.chat import ChatDriver
from suites.drivers.messages import MessagesDriver, thinking_off
from suites.drivers.responses import ResponsesDriver

__all__ = [
    "DRIVERS",
    "PROMPT",
    "Answer",
    "ChatDriver",
    "Driver",
    "ErrorReply",
    "Finish",
    "MessagesDriver",
    "Model",
    "Named",
    "ResponsesDriver",
    "ToolCall",
    "ToolChoice",
    "Usage",
    "parse_arguments",
    "reasoning_off",
    "run",
    "switchable_reasoners",
    "thinking_off",
]

DRIVERS: dict[str, Driver] = {d.name: d for d in (ChatDriver(), MessagesDriver(), ResponsesDriver())}
