"""An httpx transport that holds every response to the contract as it passes.

Whole bodies are validated through :class:`suites.contract.Contract`; event streams are decoded and
validated event by event while the caller reads them (nothing is buffered). Violations are recorded,
never raised here — SDK clients would retry or re-wrap an exception — and the plugin fails the test
that received them. Any client built on httpx (ours, ``openai``, ``anthropic``) can use it.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator

import httpx

from suites.contract import Contract, Operation, Violation
from suites.recorder import Recorder
from suites.sse import SSEDecoder

__all__ = ["AsyncContractTransport", "ContractTransport"]


class _EventChecker:
    """Decodes an event stream incrementally and validates each event as it completes."""

    def __init__(self, contract: Contract, op: Operation, recorder: Recorder) -> None:
        self.contract, self.op, self.recorder = contract, op, recorder
        self.decoder = SSEDecoder()

    def feed(self, chunk: bytes) -> None:
        self._check(self.decoder.feed(chunk))

    def flush(self) -> None:
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


class _ValidatedEvents(httpx.SyncByteStream):
    def __init__(self, inner: httpx.SyncByteStream, contract: Contract, op: Operation, recorder: Recorder) -> None:
        self.inner = inner
        self.checker = _EventChecker(contract, op, recorder)

    def __iter__(self) -> Iterator[bytes]:
        for chunk in self.inner:
            self.checker.feed(chunk)
            yield chunk
        self.checker.flush()

    def close(self) -> None:
        self.inner.close()


class _AsyncValidatedEvents(httpx.AsyncByteStream):
    def __init__(self, inner: httpx.AsyncByteStream, contract: Contract, op: Operation, recorder: Recorder) -> None:
        self.inner = inner
        self.checker = _EventChecker(contract, op, recorder)

    async def __aiter__(self) -> AsyncIterator[bytes]:
        async for chunk in self.inner:
            self.checker.feed(chunk)
            yield chunk
        self.checker.flush()

    async def aclose(self) -> None:
        await self.inner.aclose()


class _Validation:
    """What the sync and async transports share: classify the response, validate or wrap it."""

    contract: Contract
    recorder: Recorder

    def _stream_op(self, request: httpx.Request, response: httpx.Response) -> tuple[Operation | None, bool]:
        """The operation (None: not in the contract) and whether the response is an event stream."""
        op = self.contract.operation_for(request.method, request.url.path)
        if op is None:
            return None, False
        self.recorder.status(op.id, response.status_code)
        if not response.headers.get("content-type", "").startswith("text/event-stream"):
            return op, False
        if not op.sse_events:
            self.recorder.violation(Violation(op.id, response.status_code, "event stream from a non-streaming operation"))
        elif response.status_code != 200:
            self.recorder.violation(Violation(op.id, response.status_code, "an error status with an event stream"))
        return op, True

    def _validated(self, request: httpx.Request, response: httpx.Response, body: bytes) -> httpx.Response:
        headers = {k.lower(): v for k, v in response.headers.items() if k.lower() != "content-encoding"}
        _, violations = self.contract.validate_response(
            method=request.method,
            path=request.url.path,
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


class ContractTransport(_Validation, httpx.BaseTransport):
    def __init__(self, contract: Contract, recorder: Recorder, inner: httpx.BaseTransport | None = None) -> None:
        self.contract = contract
        self.recorder = recorder
        self.inner = inner or httpx.HTTPTransport()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self.inner.handle_request(request)
        op, streaming = self._stream_op(request, response)
        if op is None:
            return response
        if streaming:
            assert isinstance(response.stream, httpx.SyncByteStream)
            response.stream = _ValidatedEvents(response.stream, self.contract, op, self.recorder)
            return response
        return self._validated(request, response, response.read())

    def close(self) -> None:
        self.inner.close()


class AsyncContractTransport(_Validation, httpx.AsyncBaseTransport):
    """The async twin of :class:`ContractTransport` (for ``httpx.AsyncClient`` and async SDK clients).

    Create it inside the event loop that uses it and ``await aclose()`` it there: its connection pool
    belongs to that loop.
    """

    def __init__(self, contract: Contract, recorder: Recorder, inner: httpx.AsyncBaseTransport | None = None) -> None:
        self.contract = contract
        self.recorder = recorder
        self.inner = inner or httpx.AsyncHTTPTransport()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self.inner.handle_async_request(request)
        op, streaming = self._stream_op(request, response)
        if op is None:
            return response
        if streaming:
            assert isinstance(response.stream, httpx.AsyncByteStream)
            response.stream = _AsyncValidatedEvents(response.stream, self.contract, op, self.recorder)
            return response
        return self._validated(request, response, await response.aread())

    async def aclose(self) -> None:
        await self.inner.aclose()
