"""Fault directives, the control endpoint, the request log and the leak bait, over real HTTP."""

from __future__ import annotations

import hashlib
import json
import time
from typing import Any

import httpx
import pytest
from mock_support import AUTH, parse_sse

from mocks.text import count_tokens, reply_text

CHAT = "/v1/chat/completions"
MESSAGES = "/v1/messages"


def request_for(family: str, text: str, stream: bool = False) -> tuple[str, dict[str, Any]]:
    body: dict[str, Any] = {"model": "some-model", "messages": [{"role": "user", "content": text}], "stream": stream}
    if family == "anthropic":
        return MESSAGES, {**body, "max_tokens": 200}
    return CHAT, body


def read_stream(client: httpx.Client, path: str, body: dict[str, Any], **kw: Any) -> tuple[bytes, Exception | None]:
    """The raw bytes received before the stream ended or failed, and the failure."""
    received = b""
    try:
        with client.stream("POST", path, json=body, **kw) as response:
            assert response.status_code == 200
            for piece in response.iter_raw():
                received += piece
    except (httpx.RemoteProtocolError, httpx.ReadTimeout) as exc:
        return received, exc
    return received, None


def assert_bait(family: str, response: httpx.Response, message: str) -> None:
    request_id = response.headers["x-request-id"]
    assert request_id.startswith(f"req_{family}_") and request_id in message
    assert f"{family}.mock-upstream.internal" in message and f"upstream key sk-mock-{family}" in message
    assert response.headers["server"] == f"{family}.mock-upstream.internal"


@pytest.mark.parametrize("status", [500, 429, 503])
def test_status_fault_in_the_provider_envelope_with_leak_bait(family: Any, status: int) -> None:
    name, client = family
    path, body = request_for(name, f"hello [[mock:fault=status:{status}]]")
    response = client.post(path, json=body)
    assert response.status_code == status
    payload = response.json()
    if name == "anthropic":
        assert payload["type"] == "error" and set(payload["error"]) == {"type", "message"}
        assert payload["error"]["type"] == {500: "api_error", 429: "rate_limit_error", 503: "overloaded_error"}[status]
        assert response.headers["request-id"] == response.headers["x-request-id"] == payload["request_id"]
        message = payload["error"]["message"]
    else:
        assert set(payload["error"]) == {"message", "type", "param", "code"}
        message = payload["error"]["message"]
    assert_bait(name, response, message)
    assert ("retry-after" in response.headers) is (status != 500)
    stream_path, stream_body = request_for(name, f"hello [[mock:fault=status:{status}]]", stream=True)
    assert client.post(stream_path, json=stream_body).status_code == status


def test_latency_delays_the_response(family: Any) -> None:
    name, client = family
    path, body = request_for(name, "slow [[mock:fault=latency:300ms]]")
    started = time.monotonic()
    assert client.post(path, json=body).status_code == 200
    assert time.monotonic() - started >= 0.3


def test_cut_drops_the_connection_after_n_events(family: Any) -> None:
    name, client = family
    path, body = request_for(name, "cut me [[mock:fault=cut:3]]", stream=True)
    received, failure = read_stream(client, path, body)
    assert isinstance(failure, httpx.RemoteProtocolError)
    events, _ = parse_sse(received)
    assert len(events) == 3 and all(json.loads(e.data) for e in events)
    assert all(e.data != "[DONE]" and e.event != "message_stop" for e in events)
    path, body = request_for(name, "cut me [[mock:fault=cut:1]]")
    with pytest.raises(httpx.RemoteProtocolError):
        client.post(path, json=body)


def test_malformed_breaks_the_nth_event_only(family: Any) -> None:
    name, client = family
    path, body = request_for(name, "break [[mock:fault=malformed:2]]", stream=True)
    received, failure = read_stream(client, path, body)
    assert failure is None
    events, _ = parse_sse(received)
    with pytest.raises(ValueError):
        json.loads(events[1].data)
    assert events[-1].data == "[DONE]" or events[-1].event == "message_stop"
    for event in [events[0], *events[2:]]:
        if event.data != "[DONE]":
            json.loads(event.data)
    path, body = request_for(name, "break [[mock:fault=malformed:1]]")
    response = client.post(path, json=body)
    assert response.status_code == 200
    with pytest.raises(ValueError):
        response.json()


def test_midstream_error_event(family: Any) -> None:
    name, client = family
    path, body = request_for(name, "fail later [[mock:fault=midstream:2]]", stream=True)
    received, failure = read_stream(client, path, body)
    assert failure is None
    events, _ = parse_sse(received)
    assert len(events) == 3
    last = events[-1].json()
    if name == "anthropic":
        assert events[-1].event == "error" and last["error"]["type"] == "overloaded_error"
        message = last["error"]["message"]
    else:
        message = last["error"]["message"]
    assert f"upstream key sk-mock-{name}" in message and f"req_{name}_" in message


def test_hang_and_stall_outlast_a_short_client_timeout(family: Any) -> None:
    name, client = family
    path, body = request_for(name, "wait [[mock:fault=hang]]")
    started = time.monotonic()
    with pytest.raises(httpx.ReadTimeout):
        client.post(path, json=body, timeout=httpx.Timeout(10, read=0.4))
    assert time.monotonic() - started < 3
    path, body = request_for(name, "wait [[mock:fault=stall:2]]", stream=True)
    received, failure = read_stream(client, path, body, timeout=httpx.Timeout(10, read=0.4))
    assert isinstance(failure, httpx.ReadTimeout) and len(parse_sse(received)[0]) == 2
    path, body = request_for(name, "fine again")
    assert client.post(path, json=body).status_code == 200


def test_chunk_and_pace_directives(family: Any) -> None:
    name, client = family
    path, body = request_for(name, "pieces [[mock:chunk=5]] [[mock:pace=20ms]]", stream=True)
    started = time.monotonic()
    received, _ = read_stream(client, path, body)
    elapsed = time.monotonic() - started
    events, _ = parse_sse(received)
    if name == "anthropic":
        pieces = [e.json()["delta"]["text"] for e in events if e.event == "content_block_delta"]
    else:
        pieces = [e.json()["choices"][0]["delta"].get("content") for e in events[:-1] if e.json()["choices"]]
        pieces = [p for p in pieces if p]
    assert "".join(pieces) == reply_text("pieces")
    assert all(count_tokens(p) == 5 for p in pieces[:-1])
    assert elapsed >= 0.02 * (len(events) - 1)


def test_unknown_directive_is_a_400(family: Any) -> None:
    name, client = family
    path, body = request_for(name, "hi [[mock:fault=explode]]")
    response = client.post(path, json=body)
    assert response.status_code == 400 and "explode" in response.text


def test_control_fault_applies_to_the_next_n_requests(family: Any) -> None:
    name, client = family
    path, body = request_for(name, "queued")
    assert client.put("/__mock__/faults", json={"fault": "status:503", "times": 2}).json() == {
        "fault": "status:503", "remaining": 2}
    bad = {**body, "messages": []}
    assert client.post(path, json=bad).status_code == 400
    assert [client.post(path, json=body).status_code for _ in range(3)] == [503, 503, 200]
    assert client.get("/__mock__/faults").json() == {"fault": None, "remaining": 0}
    client.put("/__mock__/faults", json={"fault": "latency:10ms status:500"})
    assert client.delete("/__mock__/faults").json()["remaining"] == 0
    assert client.post(path, json=body).status_code == 200
    for spec in ({"fault": "boom"}, {"fault": "status:500", "times": 0}, {"times": 1}, {"fault": 5}):
        assert client.put("/__mock__/faults", json=spec).status_code == 400


def test_request_log_shows_what_the_mock_received(family: Any) -> None:
    name, client = family
    client.delete("/__mock__/requests")
    path, body = request_for(name, "log me")
    response = client.post(path, json=body, headers={"x-trace": "t-1"})
    client.get("/health")
    client.get("/__mock__/faults")
    entries = client.get("/__mock__/requests").json()["requests"]
    assert len(entries) == 1
    entry = entries[0]
    assert (entry["method"], entry["path"], entry["body"]) == ("POST", path, body)
    assert entry["headers"]["x-trace"] == "t-1" and entry["request_id"] == response.headers["x-request-id"]
    key = next(iter(v for k, v in AUTH[name].items() if k in ("authorization", "x-api-key"))).removeprefix("Bearer ")
    assert entry["api_key_sha256"] == hashlib.sha256(key.encode()).hexdigest()
    assert key not in json.dumps(entry)
    for _ in range(55):
        client.post(path, content=b"not json")
    entries = client.get("/__mock__/requests").json()["requests"]
    assert len(entries) == 50 and entries[-1]["body"] == "not json"
    assert client.delete("/__mock__/requests").json() == {"requests": []}


def test_unknown_paths_answer_404_in_the_provider_envelope_and_are_logged(family: Any) -> None:
    name, client = family
    client.delete("/__mock__/requests")
    response = client.post("/v1/nowhere", json={"x": 1})
    assert response.status_code == 404
    payload = response.json()
    message = payload["error"]["message"]
    if name == "anthropic":
        assert payload["type"] == "error" and payload["error"]["type"] == "not_found_error"
    assert "/v1/nowhere" in message
    assert_bait(name, response, message)
    path = MESSAGES if name == "anthropic" else CHAT
    assert client.get(path).status_code == 405
    logged = client.get("/__mock__/requests").json()["requests"]
    assert [(e["method"], e["path"]) for e in logged] == [("POST", "/v1/nowhere"), ("GET", path)]
