"""The gateway's wall clock, one seam for everything that expires (jobs, media, files, signed URLs).

Production reads :func:`time.time`; test mode swaps in a clock it can move forward, so retention and the
30-day sweep are checked without waiting (D-91).
"""

from __future__ import annotations

import time
from typing import Protocol

__all__ = ["Clock", "SystemClock"]


class Clock(Protocol):
    def now(self) -> float:
        """Unix seconds."""
        ...


class SystemClock:
    def now(self) -> float:
        return time.time()
