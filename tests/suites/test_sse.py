"""The harness's SSE decoder against the WHATWG rules for interpreting an event stream (HTML §9.2.6).

Every case of the table is decoded whole, cut at every byte, cut into single bytes and cut at random
(hypothesis): the events must not depend on where the chunks end. Nothing here uses the gateway.
"""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from suites.sse import ServerSentEvent, SSEDecoder

E = ServerSentEvent

CASES: dict[str, tuple[bytes, list[ServerSentEvent]]] = {
    "lf": (b"data: a\n\n", [E(None, "a")]),
    "crlf": (b"data: a\r\n\r\n", [E(None, "a")]),
    "cr": (b"data: a\r\r", [E(None, "a")]),
    "mixed line ends": (b"data: a\rdata: b\r\ndata: c\n\r\n", [E(None, "a\nb\nc")]),
    "cr then lf is one line end": (b"data: a\r\n\ndata: b\r\n\r\n", [E(None, "a"), E(None, "b")]),
    "lf then cr is two line ends": (b"data: a\n\rdata: b\n\n", [E(None, "a"), E(None, "b")]),
    "data lines joined with lf": (b"data: x\ndata: y\ndata:\n\n", [E(None, "x\ny\n")]),
    "only the first space is stripped": (b"data:  two\n\n", [E(None, " two")]),
    "no space after the colon": (b"data:tight\n\n", [E(None, "tight")]),
    "a tab is not stripped": (b"data:\tt\n\n", [E(None, "\tt")]),
    "value split at the first colon": (b"data: a: b:c\n\n", [E(None, "a: b:c")]),
    "field without colon has an empty value": (b"data\n\n", [E(None, "")]),
    "two fields without colon": (b"data\ndata\n\n", [E(None, "\n")]),
    "empty data line dispatches empty data": (b"data:\n\n", [E(None, "")]),
    "comment lines are ignored": (b": keep-alive\n:\ndata: a\n: inside\n\n", [E(None, "a")]),
    "comment alone dispatches nothing": (b": ping\n\n", []),
    "event names the event": (b"event: delta\ndata: {}\n\n", [E("delta", "{}")]),
    "event without data is not dispatched": (b"event: delta\n\ndata: a\n\n", [E(None, "a")]),
    "event resets after dispatch": (b"event: x\ndata: 1\n\ndata: 2\n\n", [E("x", "1"), E(None, "2")]),
    "empty event is the default type": (b"event:\ndata: a\n\n", [E(None, "a")]),
    "last event line wins": (b"event: a\nevent: b\ndata: d\n\n", [E("b", "d")]),
    "field names are case-sensitive": (b"Data: a\nEVENT: b\ndata: c\n\n", [E(None, "c")]),
    "unknown fields are ignored": (b"foo: bar\ndata: a\nx\n\n", [E(None, "a")]),
    "space before the colon is part of the name": (b"data : a\ndata: b\n\n", [E(None, "b")]),
    "id is kept across events": (b"id: 7\ndata: a\n\ndata: b\n\n", [E(None, "a", "7"), E(None, "b", "7")]),
    "empty id resets the last id": (b"id: 7\ndata: a\n\nid\ndata: b\n\n", [E(None, "a", "7"), E(None, "b", "")]),
    "id with nul is ignored": (b"id: 1\ndata: a\n\nid: 2\x003\ndata: b\n\n", [E(None, "a", "1"), E(None, "b", "1")]),
    "id without data is kept for the next event": (b"id: 9\n\ndata: a\n\n", [E(None, "a", "9")]),
    "retry sets the reconnection time": (b"retry: 1500\ndata: a\n\n", [E(None, "a", "", 1500)]),
    "retry with non-digits is ignored": (
        b"retry: 10\ndata: a\n\nretry: 1.5\ndata: b\n\nretry: -3\ndata: c\n\nretry: 2a\ndata: d\n\n",
        [E(None, "a", "", 10), E(None, "b", "", 10), E(None, "c", "", 10), E(None, "d", "", 10)],
    ),
    "retry with non-ascii digits is ignored": ("retry: \u0661\u0662\ndata: a\n\n".encode(), [E(None, "a")]),
    "empty retry is ignored": (b"retry:\ndata: a\n\n", [E(None, "a")]),
    "bom stripped at the start": (b"\xef\xbb\xbfdata: a\n\n", [E(None, "a")]),
    "only one bom is stripped": (b"\xef\xbb\xbf\xef\xbb\xbfdata: a\n\ndata: b\n\n", [E(None, "b")]),
    "bom later is kept": (b"data: a\n\n\xef\xbb\xbfdata: b\n\ndata: \xef\xbb\xbfc\n\n", [E(None, "a"), E(None, "\ufeffc")]),
    "utf-8 text": ("data: été ☃ 🙂\n\n".encode(), [E(None, "été ☃ 🙂")]),
    "invalid utf-8 becomes replacement characters": (b"data: a\xffb\xe2\x98\n\n", [E(None, "a\ufffdb\ufffd")]),
    "no dispatch at eof of an unterminated event": (b"data: a\n\ndata: b\n", [E(None, "a")]),
    "no dispatch at eof of an unterminated line": (b"data: a\n\ndata: [DONE]", [E(None, "a")]),
    "eof after a lone cr still needs an empty line": (b"data: a\r", []),
    "blank lines between events": (b"\n\n\r\ndata: a\n\n\n\n", [E(None, "a")]),
    "other unicode line breaks are data": ("data: a\u2028b\x0bc\x85d\n\n".encode(), [E(None, "a\u2028b\x0bc\x85d")]),
    "json payloads": (b'data: {"a":1}\n\ndata: [DONE]\n\n', [E(None, '{"a":1}'), E(None, "[DONE]")]),
}


def _decode(chunks: list[bytes]) -> list[ServerSentEvent]:
    decoder = SSEDecoder()
    events = [e for chunk in chunks for e in decoder.feed(chunk)]
    return events + decoder.flush()


def _cut(stream: bytes, cuts: list[int]) -> list[bytes]:
    points = [0, *sorted(set(cuts)), len(stream)]
    return [stream[a:b] for a, b in itertools.pairwise(points)]


@pytest.mark.parametrize(("stream", "expected"), list(CASES.values()), ids=list(CASES))
def test_whole_stream(stream: bytes, expected: list[ServerSentEvent]) -> None:
    assert _decode([stream]) == expected


@pytest.mark.parametrize(("stream", "expected"), list(CASES.values()), ids=list(CASES))
def test_cut_at_every_byte(stream: bytes, expected: list[ServerSentEvent]) -> None:
    for at in range(len(stream) + 1):
        assert _decode([stream[:at], stream[at:]]) == expected, f"cut at byte {at}"
    assert _decode([stream[i:i + 1] for i in range(len(stream))]) == expected, "one byte per chunk"


@given(st.sampled_from(sorted(CASES)), st.data())
def test_cut_anywhere(name: str, data: st.DataObject) -> None:
    stream, expected = CASES[name]
    cuts = data.draw(st.lists(st.integers(0, len(stream)), max_size=len(stream)))
    assert _decode(_cut(stream, cuts)) == expected


_VALUE = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\r\n"), max_size=12)
_NAME = st.text(st.characters(min_codepoint=0x21, max_codepoint=0x7E, blacklist_characters=":"), min_size=1, max_size=8)


@st.composite
def _events(draw: st.DrawFn) -> tuple[bytes, list[ServerSentEvent]]:
    """A stream written with random line ends and comments, and the events the standard says it carries."""
    ends = st.sampled_from(["\n", "\r", "\r\n"])
    out, expected, last_id = [], [], ""
    for _ in range(draw(st.integers(0, 4))):
        name = draw(st.none() | _NAME)
        lines = draw(st.lists(_VALUE, min_size=1, max_size=3))
        new_id = draw(st.none() | _VALUE.filter(lambda v: "\0" not in v))
        if draw(st.booleans()):
            out += [": ", draw(_VALUE), draw(ends)]
        if name is not None:
            out += ["event: ", name, draw(ends)]
        if new_id is not None:
            out += ["id: ", new_id, draw(ends)]
            last_id = new_id
        for line in lines:
            out += ["data: ", line, draw(ends)]
        # the empty line: after a CR a lone LF would only complete that CRLF
        out.append(draw(st.sampled_from(["\r", "\r\n"])) if out[-1] == "\r" else draw(ends))
        expected.append(E(name, "\n".join(lines), last_id))
    return "".join(out).encode(), expected


@given(_events(), st.data())
def test_generated_streams(case: tuple[bytes, list[ServerSentEvent]], data: st.DataObject) -> None:
    stream, expected = case
    cuts = data.draw(st.lists(st.integers(0, len(stream)), max_size=8))
    assert _decode(_cut(stream, cuts)) == expected


def test_a_cr_at_a_chunk_end_ends_its_line_at_once() -> None:
    decoder = SSEDecoder()
    assert decoder.feed(b"data: x\r") == []
    assert decoder.feed(b"\r") == [E(None, "x")]
    assert decoder.feed(b"\n") == []
    assert decoder.feed(b"data: y\r\n\r\n") == [E(None, "y")]


def test_flush_reports_and_drops_a_pending_event() -> None:
    decoder = SSEDecoder()
    assert decoder.feed(b"data: a\n\nevent: e\ndata: b\n") == [E(None, "a")]
    assert decoder.pending
    assert decoder.flush() == []
    assert not decoder.pending
