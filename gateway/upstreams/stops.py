"""Stop sequences enforced by the gateway, for upstreams that do not say which sequence matched.

OpenAI-compatible providers stop on ``stop`` but report only ``finish_reason: stop``; the Messages
format must name the matched sequence. So the gateway does not forward ``stop`` to them: it cuts the
text at the earliest match itself. In a stream it holds back only the tail that could still begin a
match (at most the longest sequence minus one character), so relaying stays chunk by chunk.
"""

from __future__ import annotations

__all__ = ["StopScanner", "cut_at_stop"]


def cut_at_stop(text: str, stops: list[str]) -> tuple[str, str | None]:
    """``text`` up to the earliest stop sequence, and the sequence (or ``None``)."""
    best: tuple[int, str] | None = None
    for stop in stops:
        at = text.find(stop) if stop else -1
        if at != -1 and (best is None or at < best[0]):
            best = (at, stop)
    return (text, None) if best is None else (text[: best[0]], best[1])


class StopScanner:
    """Feed text pieces; get what is safe to relay, until a stop sequence matches."""

    def __init__(self, stops: list[str]) -> None:
        self.stops = [s for s in stops if s]
        self.hold = max((len(s) for s in self.stops), default=1) - 1
        self.pending = ""
        self.matched: str | None = None

    def feed(self, piece: str) -> str:
        if self.matched is not None:
            return ""
        self.pending += piece
        text, matched = cut_at_stop(self.pending, self.stops)
        if matched is not None:
            self.matched, self.pending = matched, ""
            return text
        safe = len(self.pending) - self.hold
        out, self.pending = (self.pending[:safe], self.pending[safe:]) if safe > 0 else ("", self.pending)
        return out

    def flush(self) -> str:
        out, self.pending = self.pending, ""
        return "" if self.matched is not None else out
