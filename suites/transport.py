"""An httpx transport that holds every response to the contract as it passes.

Whole bodies are validated through :class:`suites.contract.Contract`; event streams are decoded and
validated event by event while the caller reads them (nothing is buffered). Every response — success or
error, documented operation or not, headers, body and each stream event — is also scanned for leaks of
the upstream (:mod:`suites.leaks`), and kept as an :class:`~suites.exchanges.Exchange` of the running
test for its failure report. Violations are recorded, never raised here — SDK clients would retry or
re-wrap an exception — and the plugin fails the test that received them. Any client built on httpx
(ours, ``openai``, ``anthropic``) can use it.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator

import httpx

from suites import leaks
from suites.contract import Contract, Operation, Violation
from suites.exchanges import Exchange, request_text
from suites.recorder import Recorder
from suites.sse import SSEDecoder

__all__ = ["EXCHANGE", "UPSTREAMS", "AsyncContractTransport", "ContractTransport"]

EXCHANGE = "empirio.exchange"
"""The key of a response's ``extensions`` holding its :class:`~suites.exchanges.Exchange`."""
UPSTREAMS = "empirio.upstreams"
"""The key of a response's ``extensions`` holding the session's upstream request log (or None)."""

_SCAN_LIMIT = 4 * 1024 * 1024


class _Received:
    """One response on its way to the caller: where violations go, and the text the request carried."""

    def __init__(self, recorder: Recorder, request: httpx.Request, exchange: Exchange, op: Operation | None) -> None:
        self.recorder, self.exchange, self.op = recorder, exchange, op
        self.label = op.id if op else f"{request.method} {request.url.path}"
        self.sent = request_text(request)
        self.own = request.url.netloc.decode("ascii", "replace")

    def violation(self, status: int, message: str) -> None:
        violation = Violation(self.label, status, message)
        self.exchange.findings.append(str(violation))
        self.recorder.violation(violation)

    def scan(self, text: str, where: str) -> None:
        for finding in leaks.scan_text(text[:_SCAN_LIMIT], where, sent=self.sent, own=(self.own,)):
            self.violation(self.exchange.status, str(finding))

    def scan_headers(self, headers: httpx.Headers) -> None:
        for finding in leaks.scan_headers(headers.multi_items(), sent=self.sent, own_host=self.own):
            self.violation(self.exchange.status, str(finding))


class _EventChecker:
    """Decodes an event stream incrementally; scans and (for a documented operation) validates each
    event as it completes."""

    def __init__(self, contract: Contract, received: _Received) -> None:
        self.contract, self.received = contract, received
        self.decoder = SSEDecoder()
        self.count = 0

    def feed(self, chunk: bytes) -> None:
        self._check(self.decoder.feed(chunk))

    def flush(self) -> None:
        self._check(self.decoder.flush())

    def _check(self, events: list) -> None:  # type: ignore[type-arg]
        received, op = self.received, self.received.op
        for event in events:
            self.count += 1
            received.exchange.event(event.event, event.data)
            received.scan(event.data, f"stream event {self.count}")
            if op is None:
                continue
            try:
                label, payload = self.contract.classify_event(op, event.event, event.data)
            except json.JSONDecodeError:
                received.violation(200, f"stream event is not JSON: {leaks.cut(event.data)}")
                continue
            received.recorder.event(op.id, label)
            for violation in self.contract.validate_event(op, label, payload):
                received.violation(violation.status, violation.message)


class _ValidatedEvents(httpx.SyncByteStream):
    def __init__(self, inner: httpx.SyncByteStream, checker: _EventChecker) -> None:
        self.inner, self.checker = inner, checker

    def __iter__(self) -> Iterator[bytes]:
        for chunk in self.inner:
            self.checker.feed(chunk)
            yield chunk
        self.checker.flush()

    def close(self) -> None:
        self.inner.close()


class _AsyncValidatedEvents(httpx.AsyncByteStream):
    def __init__(self, inner: httpx.AsyncByteStream, checker: _EventChecker) -> None:
        self.inner, self.checker = inner, checker

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

    def _receive(self, request: httpx.Request, response: httpx.Response, exchange: Exchange) -> tuple[_Received, bool]:
        """Start checking ``response``: record its status, scan its headers; whether it is an event stream."""
        exchange.answer(response)
        self.recorder.exchange(exchange)
        op = self.contract.operation_for(request.method, request.url.path)
        received = _Received(self.recorder, request, exchange, op)
        received.scan_headers(response.headers)
        streaming = response.headers.get("content-type", "").startswith("text/event-stream")
        if op is not None:
            self.recorder.status(op.id, response.status_code)
            if streaming and not op.sse_events:
                received.violation(response.status_code, "event stream from a non-streaming operation")
            elif streaming and response.status_code != 200:
                received.violation(response.status_code, "an error status with an event stream")
        response.extensions = {**response.extensions, EXCHANGE: exchange, UPSTREAMS: self.recorder.upstreams}
        return received, streaming

    def _validated(self, request: httpx.Request, response: httpx.Response, body: bytes,
                   received: _Received) -> httpx.Response:
        received.exchange.body(body)
        received.scan(body.decode("utf-8", "replace"), "body")
        headers = {k.lower(): v for k, v in response.headers.items() if k.lower() != "content-encoding"}
        if received.op is not None:
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
                received.violation(violation.status, violation.message)
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
        exchange = Exchange.begin(request)
        response = self.inner.handle_request(request)
        received, streaming = self._receive(request, response, exchange)
        if streaming:
            assert isinstance(response.stream, httpx.SyncByteStream)
            response.stream = _ValidatedEvents(response.stream, _EventChecker(self.contract, received))
            return response
        return self._validated(request, response, response.read(), received)

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
        exchange = Exchange.begin(request)
        response = await self.inner.handle_async_request(request)
        received, streaming = self._receive(request, response, exchange)
        if streaming:
            assert isinstance(response.stream, httpx.AsyncByteStream)
            response.stream = _AsyncValidatedEvents(response.stream, _EventChecker(self.contract, received))
            return response
        return self._validated(request, response, await response.aread(), received)

    async def aclose(self) -> None:
        await self.inner.aclose()
