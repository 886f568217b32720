"""Transitional: the defects still branched on in production modules through ``gateway.defects``.

Every name of ``gateway.defects.DEFECTS`` no area module declares yet is declared here (so the control
API and the self-tests know it), and the old switch follows :class:`ActiveDefects`. Called after the
area modules are imported; deleted together with ``gateway/defects.py`` once no production module branches on it.
"""

from __future__ import annotations

from gateway.defects import DEFECTS as LEGACY
from gateway.state import GatewayState
from gateway.testing.registry import DEFECTS, ActiveDefects, defect

__all__ = ["declare_remaining", "install"]


def declare_remaining() -> None:
    """Declare every old defect no area module has declared (call after importing them all)."""
    for old in LEGACY.values():
        if old.name not in DEFECTS:
            defect(old.name, old.breaks)


def install(state: GatewayState, active: ActiveDefects) -> None:
    """Let the old switch, still read by production branches, follow ``active``."""
    state.defects.follow(lambda: active.names)
