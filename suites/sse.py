"""The harness's own incremental decoder of ``text/event-stream`` bodies.

It follows the WHATWG HTML Standard, §9.2.6 "Interpreting an event stream", and shares no code with the
reference gateway's encoder, so a mistake made on both sides cannot hide itself:

* the stream is UTF-8 (invalid bytes become U+FFFD); one byte-order mark at its very start is dropped;
* lines end with CRLF, LF or CR, wherever the chunks are cut (a CR at the end of a chunk ends its line
  at once; an LF opening the next chunk is then the rest of that CRLF);
* an empty line dispatches the event; a line starting with ``:`` is a comment;
* ``name:value`` splits at the first colon and loses one leading space of the value; a line without a
  colon is a field with an empty value; unknown fields are ignored;
* ``data`` lines are joined with LF; an event without ``data`` lines is not dispatched;
* ``event`` names the event (:attr:`ServerSentEvent.event` is ``None`` when it is empty or absent: the
  standard's ``message``);
* ``id`` sets the last event id (kept across events) unless its value contains NUL;
* ``retry`` sets the reconnection time only when its value is ASCII digits;
* at the end of the stream an event without its closing empty line is discarded (:meth:`SSEDecoder.flush`).

Not httpx-sse: its public API reads an ``httpx`` response line by line (the transport and the stream
collector here feed raw chunks as they pass), its chunk decoders are private, and its event decoder
dispatches events with no ``data`` and takes any ``int()`` text (``-3``, ``+5``, non-ASCII digits) as
``retry``, which the standard does not.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass

__all__ = ["SSEDecoder", "ServerSentEvent"]

_LINE_END = re.compile(r"\r\n|\r|\n")
_DIGITS = re.compile(r"[0-9]+")
_BOM = "\ufeff"


@dataclass(frozen=True)
class ServerSentEvent:
    """One dispatched event: its ``event`` name (``None`` for the default ``message``), its ``data``, the
    last event id in force (``""`` when none was set) and the reconnection time in force, if any."""

    event: str | None
    data: str
    id: str = ""
    retry: int | None = None


class SSEDecoder:
    """Feed bytes as they arrive, cut anywhere; get the events completed so far."""

    def __init__(self) -> None:
        self._text = codecs.getincrementaldecoder("utf-8")(errors="replace")
        self._started = False
        self._after_cr = False
        self._partial = ""
        self._event = ""
        self._data: list[str] = []
        self._last_id = ""
        self._retry: int | None = None

    @property
    def pending(self) -> bool:
        """Whether bytes or fields of an event not yet closed by an empty line are held."""
        return bool(self._partial or self._data or self._event)

    def feed(self, chunk: bytes) -> list[ServerSentEvent]:
        """The events that ``chunk`` completes."""
        return self._lines(self._text.decode(chunk))

    def flush(self) -> list[ServerSentEvent]:
        """End of stream: a final event without its empty line is discarded, as the standard says.

        A last line ended by nothing is still a line only if an empty line follows it, so nothing is ever
        dispatched here; the call drops what is pending and returns the empty list for the callers' sake."""
        self._lines(self._text.decode(b"", final=True))
        self._partial, self._event, self._data = "", "", []
        return []

    def _lines(self, text: str) -> list[ServerSentEvent]:
        if not self._started and text:
            self._started = True
            text = text.removeprefix(_BOM)
        if self._after_cr and text:
            self._after_cr = False
            text = text.removeprefix("\n")
        events: list[ServerSentEvent] = []
        start = 0
        for end in _LINE_END.finditer(text):
            event = self._line(self._partial + text[start:end.start()])
            self._partial = ""
            if event is not None:
                events.append(event)
            start = end.end()
        rest = text[start:]
        if start and not rest and text.endswith("\r"):
            self._after_cr = True
        self._partial += rest
        return events

    def _line(self, line: str) -> ServerSentEvent | None:
        if not line:
            return self._dispatch()
        if line.startswith(":"):
            return None
        name, colon, value = line.partition(":")
        if colon:
            value = value.removeprefix(" ")
        if name == "data":
            self._data.append(value)
        elif name == "event":
            self._event = value
        elif name == "id" and "\0" not in value:
            self._last_id = value
        elif name == "retry" and _DIGITS.fullmatch(value):
            self._retry = int(value)
        return None

    def _dispatch(self) -> ServerSentEvent | None:
        data, event = self._data, self._event
        self._data, self._event = [], ""
        if not data:
            return None
        return ServerSentEvent(event or None, "\n".join(data), self._last_id, self._retry)
