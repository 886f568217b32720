"""JSON out of the gateway: compact UTF-8 bytes from orjson, the fast path of every answer and stream frame.

What orjson refuses and the standard library writes (an integer beyond 64 bits) goes through :mod:`json`;
a lone surrogate (which UTF-8 cannot carry) is written as a ``\\u`` escape, so the value is never lost."""

from __future__ import annotations

import json
from typing import Any

import orjson

__all__ = ["dumps"]


def dumps(value: Any) -> bytes:
    """``value`` as compact JSON bytes."""
    try:
        return orjson.dumps(value)
    except TypeError:
        try:
            return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()
        except UnicodeEncodeError:
            return json.dumps(value, separators=(",", ":")).encode()
