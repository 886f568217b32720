"""uvicorn's httptools protocol with the transport limits of D-70, D-71 and D-73.

What it adds to :class:`uvicorn.protocols.http.httptools_impl.HttpToolsProtocol`, each asked of the
:class:`~gateway.server.limits.TransportPolicy` on every request:

* the request head: at most ``max_headers`` headers and ``max_header_bytes`` of target, names and values
  (431); an unfinished head is refused unparsed past :meth:`TransportLimits.raw_head_cap`;
* time: the head within ``header_timeout`` of its first byte (or of the connection opening: a silent
  connection is closed), a body that goes ``body_timeout`` without a byte or averages under
  ``body_min_rate`` after that grace (408), an idle keep-alive connection closed after
  ``keep_alive_timeout`` (uvicorn's own timer);
* at most ``connections_per_client`` open connections per client address (429 on the next request);
* bytes the parser refuses: 400 ``malformed_http`` in the envelope instead of uvicorn's plain text.

The limits end at a WebSocket upgrade (D-123): the timers stop and the connection no longer counts
against ``connections_per_client`` (the WebSocket protocol that takes the transport over has its own).

A refusal is written by the protocol itself (no ASGI app runs, or the running one sees a disconnect),
carries ``connection: close``, and the connection lingers half-closed for a moment, discarding what the
client still sends, so the client reads the answer rather than a reset.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar

import httptools
from uvicorn.config import Config
from uvicorn.protocols.http.httptools_impl import STATUS_LINE, HttpToolsProtocol
from uvicorn.server import ServerState

from gateway.errors import (
    GatewayError,
    HeaderFieldsTooLarge,
    MalformedHTTP,
    RequestTimeout,
    TooManyConnections,
)
from gateway.server.limits import TransportLimits, TransportPolicy

__all__ = ["LINGER_SECONDS", "GatewayProtocol"]

LINGER_SECONDS = 1.0
"""How long a refused connection stays half-closed, reading and discarding, before it is closed."""


class _HeadRefused(Exception):
    """Raised in a parser callback to stop parsing; the reason is on the protocol."""


@dataclass(frozen=True)
class _Source:
    policy: Callable[[], TransportPolicy]


class GatewayProtocol(HttpToolsProtocol):
    """One client connection; :meth:`bound` makes the class uvicorn instantiates (``http=``)."""

    source: ClassVar[_Source]
    clients: ClassVar[Counter[str]]

    @classmethod
    def bound(cls, policy_of: Callable[[], TransportPolicy]) -> type[GatewayProtocol]:
        """A subclass asking ``policy_of()`` for the policy, with its own count of connections per address."""
        return type("GatewayProtocol", (cls,), {"source": _Source(policy_of), "clients": Counter()})

    def __init__(self, config: Config, server_state: ServerState, app_state: dict[str, Any],
                 _loop: asyncio.AbstractEventLoop | None = None) -> None:
        super().__init__(config, server_state, app_state, _loop)
        self.url = b""
        self._refresh()
        self._in_head = True
        self._head_raw = 0
        self._head_bytes = 0
        self._head_count = 0
        self._head_error: GatewayError | None = None
        self._head_timer: asyncio.TimerHandle | None = None
        self._body_timer: asyncio.TimerHandle | None = None
        self._body_started = self._body_last = 0.0
        self._body_received = 0
        self._over_cap = False
        self._counted: str | None = None
        self._refused = False

    def _refresh(self) -> None:
        self.policy = self.source.policy()
        self.limits: TransportLimits = self.policy.limits()
        self.timeout_keep_alive = self.limits.keep_alive_timeout  # type: ignore[assignment]

    # connection
    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        if self.client:
            self._counted = self.client[0]
            self.clients[self._counted] += 1
            cap = self.limits.connections_per_client
            self._over_cap = cap is not None and self.clients[self._counted] > cap
        self._arm_head_timer()

    def connection_lost(self, exc: Exception | None) -> None:
        self._release()
        self._cancel_timers()
        super().connection_lost(exc)

    def handle_websocket_upgrade(self) -> None:
        self._cancel_timers()
        self._release()
        super().handle_websocket_upgrade()

    def _release(self) -> None:
        if self._counted is not None:
            self.clients[self._counted] -= 1
            if self.clients[self._counted] <= 0:
                del self.clients[self._counted]
            self._counted = None

    def data_received(self, data: bytes) -> None:
        if self._refused:
            return
        self._unset_keepalive_if_required()
        if self._in_head:
            self._arm_head_timer()
            self._head_raw += len(data)
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserUpgrade:
            if self._should_upgrade():
                self.handle_websocket_upgrade()
            else:
                self._unsupported_upgrade_warning()
            return
        except httptools.HttpParserError:
            self._refuse(self._head_error or MalformedHTTP("The request is not valid HTTP/1.1."))
            return
        cap = self.limits.raw_head_cap()
        if self._in_head and cap is not None and self._head_raw > cap:
            self._refuse(self._too_large())

    # parser callbacks
    def on_message_begin(self) -> None:
        self._refresh()
        self._head_bytes = self._head_count = 0
        self._head_error = None
        super().on_message_begin()

    def on_header(self, name: bytes, value: bytes) -> None:
        self._head_count += 1
        self._head_bytes += len(name) + len(value)
        limits = self.limits
        if (limits.max_headers is not None and self._head_count > limits.max_headers) or (
                limits.max_header_bytes is not None and self._head_bytes + len(self.url) > limits.max_header_bytes):
            self._head_error = self._too_large()
            raise _HeadRefused
        super().on_header(name, value)

    def on_headers_complete(self) -> None:
        self._in_head = False
        self._cancel_head_timer()
        if self._over_cap:
            self._head_error = TooManyConnections(
                f"Too many open connections from this address (at most {self.limits.connections_per_client}).")
            raise _HeadRefused
        super().on_headers_complete()
        self._arm_body_timer()

    def on_body(self, body: bytes) -> None:
        self._body_received += len(body)
        self._body_last = self.loop.time()
        super().on_body(body)

    def on_message_complete(self) -> None:
        super().on_message_complete()
        self._cancel_body_timer()
        self._in_head = True
        self._head_raw = 0

    # limits
    def _too_large(self) -> HeaderFieldsTooLarge:
        limits = self.limits
        return HeaderFieldsTooLarge(f"The request's headers are too large (at most {limits.max_headers} headers "
                                    f"and {limits.max_header_bytes} bytes).")

    def _arm_head_timer(self) -> None:
        timeout = self.limits.header_timeout
        if self._head_timer is None and timeout is not None:
            self._head_timer = self.loop.call_later(timeout, self._head_timed_out)

    def _cancel_head_timer(self) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None

    def _head_timed_out(self) -> None:
        self._head_timer = None
        if self._head_raw == 0:  # a connection that never sent a byte is closed without an answer
            self.transport.close()
            return
        self._refuse(RequestTimeout(f"The request headers were not received within {self.limits.header_timeout} s."))

    def _body_tick(self) -> float:
        timeout = self.limits.body_timeout or 1.0
        return max(0.05, min(1.0, timeout / 4))

    def _arm_body_timer(self) -> None:
        if self.limits.body_timeout is None or self.transport.is_closing():
            return
        self._body_started = self._body_last = self.loop.time()
        self._body_received = 0
        self._body_timer = self.loop.call_later(self._body_tick(), self._check_body)

    def _cancel_body_timer(self) -> None:
        if self._body_timer is not None:
            self._body_timer.cancel()
            self._body_timer = None

    def _check_body(self) -> None:
        self._body_timer = None
        now, tick = self.loop.time(), self._body_tick()
        if self.flow.read_paused:  # our own back-pressure is not the client's slowness
            self._body_last = now
            self._body_started += tick
        elif self.limits.body_too_slow(now - self._body_started, now - self._body_last, self._body_received):
            if self.cycle is not None and self.cycle.response_complete:  # answered early; the rest never came
                self.transport.close()
                return
            self._refuse(RequestTimeout(f"The request body was not received in time (a pause of at most "
                                        f"{self.limits.body_timeout} s, then at least "
                                        f"{self.limits.body_min_rate} bytes/s)."))
            return
        self._body_timer = self.loop.call_later(tick, self._check_body)

    def _cancel_timers(self) -> None:
        self._cancel_head_timer()
        self._cancel_body_timer()

    # refusal
    def _refuse(self, error: GatewayError) -> None:
        """Answer ``error`` in the envelope of the request's path and close (see the module docstring)."""
        if self._refused or self.transport.is_closing():
            return
        self._refused = True
        self._cancel_timers()
        cycle = self.cycle
        if cycle is not None and not cycle.response_complete:
            if cycle.response_started:
                self.transport.close()
                return
            cycle.disconnected = True
            cycle.message_event.set()
        refusal = self.policy.refusal(error, self.url or b"/")
        content = [STATUS_LINE[refusal.status]]
        for name, value in self.server_state.default_headers:
            content += [name, b": ", value, b"\r\n"]
        content += [b"content-type: ", refusal.content_type, b"\r\n",
                    b"content-length: ", str(len(refusal.body)).encode(), b"\r\n",
                    b"connection: close\r\n\r\n", refusal.body]
        self.transport.write(b"".join(content))
        self.flow.resume_reading()
        if self.transport.can_write_eof():
            self.transport.write_eof()
        self.loop.call_later(LINGER_SECONDS, self.transport.close)
