"""What one request of a profile saw, and how requests are grouped into the limiter's windows (D-159, D-160).

A :class:`Sample` holds the client's send and receive times; the gateway admitted or refused the request at
some instant between them. Windows are anchored at the send time of the first admitted request and a
request belongs to the window in which its answer arrived.
"""

from __future__ import annotations

import bisect
from dataclasses import asdict, dataclass
from typing import Any

__all__ = ["Sample", "Window", "max_in_span", "windows"]


@dataclass(frozen=True)
class Sample:
    """One answered request: ``key`` is the index of the API key it used, ``tokens`` the tokens it asked
    for (prompt estimate + ``max_tokens``); the header fields are ``None`` when the header was absent."""

    sent: float
    received: float
    status: int
    key: int = 0
    tokens: int = 0
    retry_after: str | None = None
    limit_requests: int | None = None
    remaining_requests: int | None = None
    limit_tokens: int | None = None
    remaining_tokens: int | None = None

    @property
    def admitted(self) -> bool:
        return self.status == 200

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Sample:
        return cls(**data)


@dataclass(frozen=True)
class Window:
    """The ``index``-th window ``[start, end)``; ``complete`` when the run went on past its end."""

    index: int
    start: float
    end: float
    admitted: int
    refused: int
    complete: bool


def windows(samples: list[Sample], length: float, stopped: float) -> list[Window]:
    """The windows of ``length`` seconds from the first admitted request's send time up to ``stopped`` (the
    last send time of the run), with the admitted and refused (429) requests answered in each."""
    admitted = [s for s in samples if s.admitted]
    if not admitted:
        return []
    origin = min(s.sent for s in admitted)
    count = max(1, int((max(s.received for s in samples) - origin) // length) + 1)
    out: list[Window] = []
    for index in range(count):
        start, end = origin + index * length, origin + (index + 1) * length
        inside = [s for s in samples if start <= s.received < end]
        out.append(Window(index, start, end, sum(s.admitted for s in inside),
                          sum(s.status == 429 for s in inside), end <= stopped))
    return out


def max_in_span(samples: list[Sample], length: float) -> int:
    """The most admitted requests the gateway certainly admitted within one span of ``length`` seconds:
    those sent at or after the span's start and answered by its end (a lower bound of the true count, so
    a result over the limit proves the limit was broken)."""
    admitted = sorted((s for s in samples if s.admitted), key=lambda s: s.sent)
    sends = [s.sent for s in admitted]
    best = 0
    for i, first in enumerate(admitted):
        later = admitted[i:bisect.bisect_right(sends, first.sent + length)]
        best = max(best, sum(s.received <= first.sent + length for s in later))
    return best
