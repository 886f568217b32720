"""What the transport enforces on clients (D-70, D-71) and how it words a refusal.

:class:`TransportLimits` is the settings' view of the limits; :class:`TransportPolicy`, one per process on
``GatewayState.transport``, is what the protocol (:mod:`gateway.server.protocol`) asks on every
connection and request: the limits in force and the bytes of a refusal in the endpoint's envelope.
"""

from __future__ import annotations

import urllib.parse
from dataclasses import dataclass

from gateway.config import Settings
from gateway.errors import GatewayError
from gateway.formats.envelopes import envelope_for_path, render_error

__all__ = ["Refusal", "TransportLimits", "TransportPolicy"]


@dataclass(frozen=True)
class TransportLimits:
    """Limits on what a client may send and how slowly; ``None`` is unbounded."""

    max_header_bytes: int | None = 32 * 1024
    """The request target plus every header name and value, in bytes."""
    max_headers: int | None = 100
    connections_per_client: int | None = 256
    """Open connections from one client address."""
    header_timeout: float | None = 10.0
    """Seconds from a connection's (or a request's) first byte to the end of its head."""
    body_timeout: float | None = 10.0
    """Seconds a body may go without a byte, and the grace before ``body_min_rate`` applies."""
    body_min_rate: int = 1024
    """Bytes per second a body must average once ``body_timeout`` has passed."""
    keep_alive_timeout: float = 5.0
    """Seconds an idle keep-alive connection stays open (uvicorn's ``timeout_keep_alive``)."""

    @classmethod
    def of(cls, settings: Settings) -> TransportLimits:
        return cls(
            max_header_bytes=settings.max_header_bytes,
            max_headers=settings.max_headers,
            connections_per_client=settings.connections_per_client,
            header_timeout=settings.header_timeout,
            body_timeout=settings.body_timeout,
            body_min_rate=settings.body_min_rate,
            keep_alive_timeout=settings.keep_alive_timeout,
        )

    def raw_head_cap(self) -> int | None:
        """Bytes of an unfinished head after which it is refused unparsed: the limit plus room for the
        framing (request line, colons, line ends), so an 8 MiB header is never buffered."""
        if self.max_header_bytes is None:
            return None
        return 2 * self.max_header_bytes + 8192

    def body_too_slow(self, elapsed: float, silent: float, received: int) -> bool:
        """Whether a body ``elapsed`` seconds old, silent for ``silent`` s, with ``received`` bytes, is cut."""
        if self.body_timeout is None:
            return False
        return silent >= self.body_timeout or (
            elapsed >= self.body_timeout and received < self.body_min_rate * elapsed)


@dataclass(frozen=True)
class Refusal:
    """A response the transport writes itself: status, content type and body."""

    status: int
    content_type: bytes
    body: bytes


class TransportPolicy:
    """The seam between the protocol and the limits: asked afresh for every connection and request."""

    def __init__(self, limits: TransportLimits) -> None:
        self._limits = limits

    def limits(self) -> TransportLimits:
        """The limits in force now."""
        return self._limits

    def refusal(self, error: GatewayError, target: bytes) -> Refusal:
        """``error`` in the envelope of the request target ``target`` (the OpenAI one when unknown)."""
        return Refusal(error.status, b"application/json", render_error(error, envelope_for_path(_path(target))))


def _path(target: bytes) -> str:
    try:
        return urllib.parse.urlsplit(target.decode("latin-1")).path
    except ValueError:
        return "/"
