"""The registry of named defects and the set switched on in one test-mode gateway.

Area modules declare their defects at import with :func:`defect`, next to the patches that reproduce
them; :data:`DEFECTS` aggregates them (a duplicate name is an error). :class:`ActiveDefects` is the
runtime set the patches consult on every call, so a defect can be switched on and off without restart.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

__all__ = ["DEFECTS", "ActiveDefects", "Defect", "DefectError", "defect"]


@dataclass(frozen=True)
class Defect:
    """A deliberate contract break: its name and the rule it breaks (the checks that catch it are
    listed with the tests, in ``tests/defects/``)."""

    name: str
    breaks: str


class DefectError(ValueError):
    """A defect name is unknown, or declared twice."""


DEFECTS: dict[str, Defect] = {}


def defect(name: str, breaks: str) -> Defect:
    """Declare the defect ``name`` (breaking the rule ``breaks``) in :data:`DEFECTS`."""
    if name in DEFECTS:
        raise DefectError(f"defect {name!r} is declared twice")
    DEFECTS[name] = declared = Defect(name, breaks)
    return declared


class ActiveDefects:
    """The defects switched on in one gateway process (none at first)."""

    def __init__(self) -> None:
        self._names: frozenset[str] = frozenset()

    def on(self, name: str) -> bool:
        return name in self._names

    @property
    def names(self) -> frozenset[str]:
        return self._names

    def set(self, names: Iterable[str]) -> None:
        """Replace the active set; unknown names are refused and leave it unchanged."""
        wanted = frozenset(names)
        unknown = sorted(wanted - DEFECTS.keys())
        if unknown:
            raise DefectError(f"unknown defects: {', '.join(unknown)}")
        self._names = wanted
