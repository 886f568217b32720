"""Stream frames: what a format's stream encoder returns, and the one place they become SSE bytes.

An encoder returns :class:`Frame` values, never bytes, so a frame stream can be inspected (and, in
test mode, transformed) before :func:`serialise` writes it: ``event:`` line when the frame is named,
``data:`` with a JSON object (UTF-8, compact) or a text payload written as is (Chat's ``[DONE]``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from gateway.jsonio import dumps
from gateway.sse import encode

__all__ = ["DONE", "Frame", "serialise"]


@dataclass(frozen=True, slots=True)
class Frame:
    event: str | None
    data: dict[str, Any] | str
    """A JSON object, or a payload already in its wire form."""


DONE = Frame(None, "[DONE]")
"""The Chat Completions stream terminator."""


def serialise(frames: Iterable[Frame]) -> bytes:
    """``frames`` as SSE bytes, in order."""
    out = []
    for frame in frames:
        data = frame.data
        if isinstance(data, str):
            out.append(encode(data, frame.event))
        else:
            out += (b"event: ", frame.event.encode(), b"\n") if frame.event else ()
            out += (b"data: ", dumps(data), b"\n\n")
    return b"".join(out)
