"""The AsyncAPI contract (``specs/asyncapi.yaml``), loaded once per process and rule profile: each
channel's messages in both directions, and validation of a payload against them.

AsyncAPI 2 reads from the server's side: a channel's ``publish`` messages are what a client sends, its
``subscribe`` messages what a client receives. Required fields follow the rule profile as in
:mod:`suites.contract` (``x-decision-required`` applies only under ``--rules all``).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from jsonschema import Draft202012Validator
from referencing import Registry
from referencing.jsonschema import DRAFT202012

from suites import ASYNCAPI_PATH
from suites.contract import documented_only, with_decisions
from suites.rules import Profile
from suites.rules import profile as _current

__all__ = ["RECV", "SEND", "Channel", "ChannelContract", "load_channels"]

_URI = "urn:empirio:asyncapi"
SEND, RECV = "send", "recv"


@dataclass(frozen=True)
class Channel:
    """One channel: its address, the operation ids of each direction, and message name → payload ref."""

    address: str
    operations: dict[str, str]
    messages: dict[str, dict[str, str]]


def _messages(operation: dict[str, Any], components: dict[str, Any]) -> dict[str, str]:
    message = operation.get("message", {})
    refs = [m["$ref"] for m in message.get("oneOf", [message])]
    out: dict[str, str] = {}
    for ref in refs:
        found = components["messages"][ref.rsplit("/", 1)[-1]]
        out[str(found["name"])] = str(found["payload"]["$ref"])
    return out


class ChannelContract:
    """The AsyncAPI document compiled: its channels and a validator per payload schema."""

    def __init__(self, spec: dict[str, Any]) -> None:
        self.spec = spec
        self.registry: Registry = Registry().with_resource(_URI, DRAFT202012.create_resource(spec))
        components = spec["components"]
        self.channels: dict[str, Channel] = {}
        for address, item in spec["channels"].items():
            sent, received = item.get("publish", {}), item.get("subscribe", {})
            self.channels[address] = Channel(
                address, {SEND: str(sent.get("operationId", "")), RECV: str(received.get("operationId", ""))},
                {SEND: _messages(sent, components), RECV: _messages(received, components)})
        self._validators: dict[str, Draft202012Validator] = {}

    def channel(self, address: str) -> Channel:
        return self.channels[address]

    def errors(self, ref: str, payload: Any) -> list[str]:
        if ref not in self._validators:
            self._validators[ref] = Draft202012Validator({"$ref": _URI + ref}, registry=self.registry,
                                                         format_checker=Draft202012Validator.FORMAT_CHECKER)
        return [f"{'/'.join(map(str, e.absolute_path)) or '<root>'}: {e.message}"
                for e in self._validators[ref].iter_errors(payload)]

    def classify(self, address: str, direction: str, payload: Any) -> tuple[str | None, list[str]]:
        """The name of the message ``payload`` validates as, or ``None`` and why it matches none (the
        errors against the message its ``type`` names, else against every one)."""
        messages = self.channel(address).messages[direction]
        problems: dict[str, list[str]] = {}
        for name, ref in messages.items():
            errors = self.errors(ref, payload)
            if not errors:
                return name, []
            problems[name] = errors
        kind = payload.get("type") if isinstance(payload, dict) else None
        if isinstance(kind, str) and kind in problems:
            return None, [f"as {kind}: {e}" for e in problems[kind]]
        return None, [f"as {name}: {'; '.join(errs[:2])}" for name, errs in problems.items()]


@lru_cache(maxsize=1)
def _spec(path: Path) -> dict[str, Any]:
    return yaml.safe_load(Path(path).read_text(encoding="utf-8"))  # type: ignore[no-any-return]


@lru_cache(maxsize=4)
def _load(path: Path, rules: Profile) -> ChannelContract:
    spec = _spec(path)
    return ChannelContract(with_decisions(spec) if rules == "all" else documented_only(spec))


def load_channels(path: Path = ASYNCAPI_PATH, profile: Profile | None = None) -> ChannelContract:
    """The AsyncAPI contract at ``path`` under rule ``profile`` (default: the current one)."""
    return _load(Path(path), profile or _current())
