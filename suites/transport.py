"""An httpx transport that holds every response to the contract as it passes.

Whole bodies are validated through :class:`suites.contract.Contract`; event streams are decoded and
validated event by event while the caller reads them (nothing is buffered). Violations are recorded,
never raised here — SDK clients would retry or re-wrap an exception — and the plugin fails the test
that received them. Any client built on httpx (ours, ``openai``, ``anthropic``) can use it.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import httpx

from suites.contract import Contract, Operation, Violation
from suites.recorder import Recorder
from suites.sse import SSEDecoder

__all__ = ["ContractTransport"]


class _ValidatedEvents(httpx.SyncByteStream):
    def __init__(self, inner: httpx.SyncByteStream, contract: Contract, op: Operation, recorder: Recorder) -> None:
        self.inner, self.contract, self.op, self.recorder = inner, contract, op, recorder
        self.decoder = SSEDecoder()

    def __iter__(self) -> Iterator[bytes]:
        for chunk in self.inner:
            self._check(self.decoder.feed(chunk))
            yield chunk
        self._check(self.decoder.flush())

    def _check(self, events: list) -> None:  # type: ignore[type-arg]
        for event in events:
            try:
                label, payload = self.contract.classify_event(self.op, event.event, event.data)
            except json.JSONDecodeError:
                self.recorder.violation(Violation(self.op.id, 200, f"stream event is not JSON: {event.data[:200]!r}"))
                continue
            self.recorder.event(self.op.id, label)
            for violation in self.contract.validate_event(self.op, label, payload):
                self.recorder.violation(violation)

    def close(self) -> None:
        self.inner.close()


class ContractTransport(httpx.BaseTransport):
    def __init__(self, contract: Contract, recorder: Recorder, inner: httpx.BaseTransport | None = None) -> None:
        self.contract = contract
        self.recorder = recorder
        self.inner = inner or httpx.HTTPTransport()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self.inner.handle_request(request)
        path = request.url.path
        op = self.contract.operation_for(request.method, path)
        if op is None:
            return response
        self.recorder.status(op.id, response.status_code)
        if response.headers.get("content-type", "").startswith("text/event-stream"):
            if not op.sse_events:
                self.recorder.violation(Violation(op.id, response.status_code, "event stream from a non-streaming operation"))
            elif response.status_code != 200:
                self.recorder.violation(Violation(op.id, response.status_code, "an error status with an event stream"))
            assert isinstance(response.stream, httpx.SyncByteStream)
            response.stream = _ValidatedEvents(response.stream, self.contract, op, self.recorder)
            return response
        body = response.read()
        headers = {k.lower(): v for k, v in response.headers.items() if k.lower() != "content-encoding"}
        _, violations = self.contract.validate_response(
            method=request.method,
            path=path,
            query=dict(request.url.params),
            request_headers={k.lower(): v for k, v in request.headers.items()},
            status=response.status_code,
            headers=headers,
            body=body,
        )
        for violation in violations:
            self.recorder.violation(violation)
        headers["content-length"] = str(len(body))
        return httpx.Response(
            response.status_code, headers=headers, stream=httpx.ByteStream(body), request=request,
            extensions=response.extensions,
        )

    def close(self) -> None:
        self.inner.close()
