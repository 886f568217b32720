"""Defects of the transport: the limits the HTTP server puts on clients (``state.transport``, read by
:mod:`gateway.server.protocol` per connection and request) and the upstream client's time limits
(``state.http.timeouts``).

The transport defects replace ``state.transport`` with a policy whose limits or refusals are switched
off or rewritten while the defect is on; ``upstream_timeout_off`` patches the upstream client's
``timeouts`` on its instance so a call has none.
"""

from __future__ import annotations

import dataclasses

from gateway.errors import GatewayError
from gateway.server.limits import Refusal, TransportLimits, TransportPolicy
from gateway.state import GatewayState
from gateway.testing.registry import ActiveDefects, defect
from gateway.upstreams.http import UpstreamHTTP, UpstreamTimeouts

__all__ = ["install"]

HEADER_LIMIT_OFF = defect(
    "header_limit_off", "request heads over the header size or count limit are refused with 431 (D-70)")
HEADER_TIMEOUT_OFF = defect(
    "header_timeout_off", "a request head trickled past the header timeout is answered 408 and closed (D-71)")
BODY_TIMEOUT_OFF = defect(
    "body_timeout_off", "a body that stops or trickles is answered 408 and closed within the bound (D-71)")
KEEP_ALIVE_UNBOUNDED = defect(
    "keep_alive_unbounded", "an idle keep-alive connection is closed after the keep-alive timeout (D-71)")
MALFORMED_HTTP_PLAIN = defect(
    "malformed_http_plain", "bytes the HTTP parser refuses are a 400 malformed_http in the envelope (D-73)")
UPSTREAM_TIMEOUT_OFF = defect(
    "upstream_timeout_off", "a hung upstream is answered within the first-byte timeout (D-72)")

_UNPARSED = b"Invalid HTTP request received."
"""What uvicorn itself answers to bytes its parser refuses (text/plain)."""


class _DefectivePolicy(TransportPolicy):
    def __init__(self, policy: TransportPolicy, active: ActiveDefects) -> None:
        super().__init__(policy.limits())
        self._policy, self._active = policy, active

    def limits(self) -> TransportLimits:
        limits, on = self._policy.limits(), self._active.on
        if on(HEADER_LIMIT_OFF.name):
            limits = dataclasses.replace(limits, max_header_bytes=None, max_headers=None)
        if on(HEADER_TIMEOUT_OFF.name):
            limits = dataclasses.replace(limits, header_timeout=None)
        if on(BODY_TIMEOUT_OFF.name):
            limits = dataclasses.replace(limits, body_timeout=None)
        if on(KEEP_ALIVE_UNBOUNDED.name):
            limits = dataclasses.replace(limits, keep_alive_timeout=3600.0)
        return limits

    def refusal(self, error: GatewayError, target: bytes) -> Refusal:
        if error.code == "malformed_http" and self._active.on(MALFORMED_HTTP_PLAIN.name):
            return Refusal(400, b"text/plain; charset=utf-8", _UNPARSED)
        return self._policy.refusal(error, target)


def _patch_timeouts(http: UpstreamHTTP, active: ActiveDefects) -> None:
    timeouts = http.timeouts

    def unbounded() -> UpstreamTimeouts:
        if active.on(UPSTREAM_TIMEOUT_OFF.name):
            return UpstreamTimeouts(None, None, None, None, None)
        return timeouts()

    setattr(http, "timeouts", unbounded)  # noqa: B010 (an instance patch, test mode only)


def install(state: GatewayState, active: ActiveDefects) -> None:
    """Wrap the transport policy and the upstream client's time limits."""
    state.transport = _DefectivePolicy(state.transport, active)
    _patch_timeouts(state.http, active)
