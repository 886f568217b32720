"""The suites' WebSocket driver for the run-events channel (``specs/asyncapi.yaml``), on the ``websockets``
package's synchronous client.

Every frame received is decoded as JSON and validated against the channel's message payloads: one that
validates as a message is counted for coverage under that name (D-125); one that is not JSON or matches
none is a contract violation, and so is a leak of the upstream in it — either fails the test that
received it, as an HTTP response would. What the driver sends is counted the same way.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Self

from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.sync.client import ClientConnection, connect
from websockets.typing import Subprotocol

from suites import leaks
from suites.channel import RECV, SEND, ChannelContract
from suites.contract import Violation
from suites.recorder import Recorder

__all__ = ["CHANNEL", "Closed", "HandshakeRefused", "RunEventsSocket", "open_channel"]

CHANNEL = "/v1/runs/events"
_SCAN_LIMIT = 200_000


class Closed(Exception):
    """The server closed the connection; ``code`` is its close code (``None`` when none was received)."""

    def __init__(self, code: int | None, reason: str) -> None:
        super().__init__(f"closed with {code} {reason!r}")
        self.code, self.reason = code, reason


class HandshakeRefused(Exception):
    """The upgrade was answered with an HTTP status instead of 101."""

    def __init__(self, status: int, body: str) -> None:
        super().__init__(f"the upgrade was answered {status}: {body[:200]}")
        self.status = status


@dataclass
class RunEventsSocket:
    """One open connection: send ``subscribe``, receive validated messages (all kept in :attr:`received`)."""

    connection: ClientConnection
    channels: ChannelContract
    recorder: Recorder
    own: str
    received: list[dict[str, Any]] = field(default_factory=list)

    @property
    def subprotocol(self) -> str | None:
        return self.connection.subprotocol

    def send(self, payload: Any) -> None:
        name, _ = self.channels.classify(CHANNEL, SEND, payload)
        if name is not None:
            self.recorder.message(CHANNEL, SEND, name)
        self.connection.send(json.dumps(payload))

    def subscribe(self, *run_ids: str, docs_form: bool = False) -> None:
        """``{"type": "subscribe", "runIds": [...]}``, or with ``docs_form`` the docs' untyped ``{"runId"}``."""
        self.send({"runId": run_ids[0]} if docs_form else {"type": "subscribe", "runIds": list(run_ids)})

    def _violation(self, message: str) -> None:
        self.recorder.violation(Violation(self.channels.channel(CHANNEL).operations[RECV], 101, message))

    def receive(self, timeout: float) -> dict[str, Any] | None:
        """The next message, or ``None`` when none comes within ``timeout`` s; :class:`Closed` once closed."""
        try:
            frame = self.connection.recv(timeout=timeout)
        except TimeoutError:
            return None
        except ConnectionClosed as closed:
            received = closed.rcvd
            raise Closed(received.code if received else None, received.reason if received else "") from None
        text = frame if isinstance(frame, str) else frame.decode("utf-8", "replace")
        for finding in leaks.scan_text(text[:_SCAN_LIMIT], "websocket message", own=(self.own,)):
            self._violation(str(finding))
        try:
            payload = json.loads(text)
        except ValueError:
            self._violation(f"a frame that is not JSON: {text[:120]!r}")
            return {}
        name, errors = self.channels.classify(CHANNEL, RECV, payload)
        if name is None:
            self._violation(f"message {text[:120]!r} matches no message of the channel: {'; '.join(errors[:4])}")
        else:
            self.recorder.message(CHANNEL, RECV, name)
        message = payload if isinstance(payload, dict) else {}
        self.received.append(message)
        return message

    def collect(self, done: Callable[[list[dict[str, Any]]], bool], timeout: float) -> list[dict[str, Any]]:
        """Receive until ``done(messages so far)`` or until nothing more comes within ``timeout`` s (the
        connection closing ends it too); the messages received by this call."""
        got: list[dict[str, Any]] = []
        while not done(got):
            try:
                message = self.receive(timeout)
            except Closed:
                break
            if message is None:
                break
            got.append(message)
        return got

    def wait_closed(self, timeout: float) -> Closed | None:
        """Receive until the server closes (the close, with its code) or ``timeout`` s pass (``None``)."""
        try:
            while self.receive(timeout) is not None:
                pass
        except Closed as closed:
            return closed
        return None

    def close(self) -> None:
        self.connection.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def open_channel(url: str, channels: ChannelContract, recorder: Recorder, *,
                 headers: dict[str, str] | None = None, subprotocols: Sequence[str] = (),
                 timeout: float = 10.0) -> RunEventsSocket:
    """Connect to ``url`` (the channel) with these headers and subprotocols offered."""
    try:
        connection = connect(url, additional_headers=headers or {}, open_timeout=timeout,
                             subprotocols=[Subprotocol(p) for p in subprotocols] or None, max_size=2**22)
    except InvalidStatus as refused:
        raise HandshakeRefused(refused.response.status_code, refused.response.body.decode("utf-8", "replace")
                               if refused.response.body else "") from None
    own = url.split("//", 1)[-1].split("/", 1)[0]
    return RunEventsSocket(connection, channels, recorder, own)
