"""The gateway's own Responses ids: ``resp`` for a response, ``msg`` / ``rs`` / ``fc`` / ``fco`` for items."""

from __future__ import annotations

from gateway.ids import random_hex

__all__ = ["new_id"]


def new_id(prefix: str) -> str:
    return f"{prefix}_{random_hex(16)}"
