"""The transport: the HTTP server in front of the ASGI app, and the limits it puts on clients.

:mod:`~gateway.server.limits` (what is enforced: :class:`TransportLimits`, and the :class:`TransportPolicy`
seam on ``GatewayState.transport``), :mod:`~gateway.server.protocol` (uvicorn's httptools protocol
enforcing it), :mod:`~gateway.server.run` (the uvicorn configuration and :func:`serve`).
"""

from __future__ import annotations

from gateway.server.limits import Refusal, TransportLimits, TransportPolicy
from gateway.server.protocol import GatewayProtocol
from gateway.server.run import serve, uvicorn_config

__all__ = ["GatewayProtocol", "Refusal", "TransportLimits", "TransportPolicy", "serve", "uvicorn_config"]
