"""Defects of the messages codec (placeholder: its owner fills it with declarations and patches)."""

from __future__ import annotations

from gateway.state import GatewayState
from gateway.testing.registry import ActiveDefects

__all__ = ["install"]


def install(state: GatewayState, active: ActiveDefects) -> None:
    """Wrap the seams this area's defects need (none yet)."""
