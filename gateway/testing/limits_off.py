"""Test mode only, a benchmark option (not a defect): ``[test] limits = "off"`` runs the gateway without
admission (D-176).

At start-up the limiter (``state.limiter``) is swapped for :class:`Unlimited`, which admits every request
at once, reserves nothing (so nothing is reconciled) and keeps no state: the same request with the rate
limits off, against which ``loadtests/admission.py`` measures what admission adds. The swap happens
before the defects wrap the limiter, so their forwarding layer costs the same with the limits on or off.
"""

from __future__ import annotations

from gateway.config import SettingsError
from gateway.limits.base import Admission, Budget, Usage
from gateway.state import GatewayState

__all__ = ["OPTION", "Unlimited", "install"]

OPTION = "limits"
"""The ``[test]`` key; its one accepted value is ``"off"``."""


class Unlimited:
    """A :class:`~gateway.limits.base.Limiter` that admits everything and counts nothing."""

    async def admit(self, key: str, budget: Budget, tokens: int = 0) -> Admission:
        return Admission(key, "", 0, Usage(budget, budget.requests, budget.tokens, 0.0, 0.0))

    async def reconcile(self, admission: Admission, tokens: int) -> Usage:
        return admission.usage

    async def release(self, admission: Admission) -> None:
        return None

    async def close(self) -> None:
        return None


def install(state: GatewayState) -> None:
    """Swap ``state.limiter`` for :class:`Unlimited` when ``[test] limits = "off"``."""
    value = state.settings.test_options.get(OPTION)
    if value is None:
        return
    if value != "off":
        raise SettingsError(f'[test] {OPTION} = {value!r}: the only value is "off"')
    state.limiter = Unlimited()
