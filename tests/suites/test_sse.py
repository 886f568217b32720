from suites.sse import ServerSentEvent, SSEDecoder


def test_events_split_across_chunks_and_line_endings() -> None:
    decoder = SSEDecoder()
    events = decoder.feed(b"event: message_start\r\ndata: {\"a\":")
    events += decoder.feed(b" 1}\r\n\r\n: keep-alive\n\ndata: line1\ndata: line2\n\n")
    events += decoder.feed(b"data: [DONE]")
    events += decoder.flush()
    assert events == [
        ServerSentEvent("message_start", '{"a": 1}'),
        ServerSentEvent(None, "line1\nline2"),
        ServerSentEvent(None, "[DONE]"),
    ]


def test_a_lone_carriage_return_waits_for_the_next_byte() -> None:
    decoder = SSEDecoder()
    assert decoder.feed(b"data: x\r") == []
    assert decoder.feed(b"\n\r\n") == [ServerSentEvent(None, "x")]
