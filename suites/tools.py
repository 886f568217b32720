"""The tools the suites offer models, defined once and rendered in each format's own shape.

A :class:`Tool` is a name, a description and the JSON schema of its arguments. :meth:`Tool.chat`,
:meth:`Tool.messages` and :meth:`Tool.responses` give the definition the way a Chat Completions, an
Anthropic Messages and an OpenAI Responses request carries it; what else differs between the formats
(``tool_choice`` modes, how calls come back) stays with each format's suite.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

__all__ = ["ASK", "PARALLEL", "PING", "SDK_WEATHER", "STREAM_WEATHER", "TIME", "WEATHER", "Tool", "weather"]

ASK = "What is the weather in Paris right now? Use the get_weather tool."
PARALLEL = "In parallel, get the weather in Paris and the current time in Asia/Tokyo: call both tools."


@dataclass(frozen=True)
class Tool:
    """A function a model may call: ``parameters`` is the JSON schema its arguments must satisfy."""

    name: str
    description: str
    parameters: dict[str, Any]

    def chat(self) -> dict[str, Any]:
        """Chat Completions: ``{"type": "function", "function": {name, description, parameters}}``."""
        return {"type": "function", "function": {"name": self.name, "description": self.description,
                                                 "parameters": copy.deepcopy(self.parameters)}}

    def messages(self) -> dict[str, Any]:
        """Anthropic Messages: ``{name, description, input_schema}``."""
        return {"name": self.name, "description": self.description, "input_schema": copy.deepcopy(self.parameters)}

    def responses(self) -> dict[str, Any]:
        """OpenAI Responses: ``{"type": "function", name, description, parameters}`` (flat, no ``function``)."""
        return {"type": "function", "name": self.name, "description": self.description,
                "parameters": copy.deepcopy(self.parameters)}


def weather(*, constrained: bool = True, described: bool = True, closed: bool = True) -> Tool:
    """``get_weather(location, unit)``. ``constrained``: ``location`` needs ``minLength: 1``;
    ``described``: ``location`` carries a description; ``closed``: no other arguments allowed."""
    location: dict[str, Any] = {"type": "string"}
    if constrained:
        location["minLength"] = 1
    if described:
        location["description"] = "City name, e.g. Paris"
    parameters: dict[str, Any] = {
        "type": "object",
        "properties": {"location": location, "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]}},
        "required": ["location", "unit"],
    }
    if closed:
        parameters["additionalProperties"] = False
    return Tool("get_weather", "Current weather for a city.", parameters)


WEATHER = weather()
"""The tool suites' ``get_weather``: every argument described and constrained, no other allowed."""
STREAM_WEATHER = weather(described=False, closed=False)
"""The stream suites' ``get_weather``, forced to get a stream of tool-call events."""
SDK_WEATHER = weather(constrained=False, described=False, closed=False)
"""The SDK suites' ``get_weather``: the plainest schema an SDK user writes."""

TIME = Tool("get_time", "Current local time in a time zone.", {
    "type": "object",
    "properties": {"timezone": {"type": "string", "minLength": 1, "description": "IANA zone"}},
    "required": ["timezone"],
    "additionalProperties": False,
})
PING = Tool("ping", "Takes no arguments.", {"type": "object", "properties": {}})
