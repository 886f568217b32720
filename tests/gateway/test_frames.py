"""The one frame serialiser: named events, compact UTF-8 JSON, text payloads as sent."""

from __future__ import annotations

from gateway.formats.frames import DONE, Frame, serialise
from gateway.sse import SSEDecoder


def test_frames_serialise_to_sse_bytes() -> None:
    frames = [Frame("message_start", {"type": "message_start", "text": "ü"}), Frame(None, '{"error": {}}'), DONE]
    wire = serialise(frames)
    assert wire == ('event: message_start\ndata: {"type":"message_start","text":"ü"}\n\n'
                    'data: {"error": {}}\n\n'
                    'data: [DONE]\n\n').encode()
    assert [(e.event, e.data) for e in SSEDecoder().feed(wire)] == [
        ("message_start", '{"type":"message_start","text":"ü"}'), (None, '{"error": {}}'), (None, "[DONE]"),
    ]


def test_no_frames_no_bytes() -> None:
    assert serialise([]) == b""
