"""Server-sent events, decoded incrementally: bytes → lines → events (per the WHATWG SSE rules).

The gateway's own, for reading upstream streams; the suites decode the gateway's streams with a decoder of
their own (``suites/sse.py``), so a mistake shared by encoder and decoder cannot hide itself."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["SSEDecoder", "ServerSentEvent"]


@dataclass(frozen=True)
class ServerSentEvent:
    event: str | None
    data: str
    id: str | None = None


class SSEDecoder:
    """Feed bytes as they arrive; get the events completed so far. Comments (``: keep-alive``) are dropped."""

    def __init__(self) -> None:
        self._buffer = b""
        self._event: str | None = None
        self._data: list[str] = []
        self._id: str | None = None

    def feed(self, chunk: bytes) -> list[ServerSentEvent]:
        self._buffer += chunk
        events: list[ServerSentEvent] = []
        while True:
            cut = self._next_line_end()
            if cut is None:
                return events
            end, width = cut
            line = self._buffer[:end].decode("utf-8")
            self._buffer = self._buffer[end + width:]
            event = self._line(line)
            if event is not None:
                events.append(event)

    def flush(self) -> list[ServerSentEvent]:
        """Events left when the stream ends (a final event without its blank line)."""
        events = self.feed(b"\n\n") if self._buffer or self._data else []
        return events

    def _next_line_end(self) -> tuple[int, int] | None:
        lf = self._buffer.find(b"\n")
        cr = self._buffer.find(b"\r")
        if cr == -1 or (lf != -1 and lf < cr):
            return (lf, 1) if lf != -1 else None
        if cr + 1 == len(self._buffer):
            return None
        return (cr, 2) if self._buffer[cr + 1] == 0x0A else (cr, 1)

    def _line(self, line: str) -> ServerSentEvent | None:
        if not line:
            if not self._data and self._event is None:
                return None
            event = ServerSentEvent(self._event, "\n".join(self._data), self._id)
            self._event, self._data = None, []
            return event
        if line.startswith(":"):
            return None
        name, _, value = line.partition(":")
        value = value.removeprefix(" ")
        if name == "data":
            self._data.append(value)
        elif name == "event":
            self._event = value
        elif name == "id":
            self._id = value
        return None


def encode(data: str, event: str | None = None) -> bytes:
    """One SSE frame."""
    head = f"event: {event}\n" if event else ""
    return f"{head}data: {data}\n\n".encode()
