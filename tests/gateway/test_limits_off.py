"""The benchmark option ``[test] limits = "off"`` (gateway/testing/limits_off.py, D-176): the limiter is
swapped for one that admits everything and reserves nothing; any other value is refused at start."""

from __future__ import annotations

import asyncio
import dataclasses
from types import SimpleNamespace
from typing import Any

import pytest

from gateway.config import SettingsError, load_settings
from gateway.limits.base import Budget
from gateway.limits.memory import MemoryLimiter
from gateway.testing import limits_off


def _state(**options: Any) -> Any:
    settings = dataclasses.replace(load_settings(env={}), test_mode=True, test_options=options)
    return SimpleNamespace(settings=settings, limiter=MemoryLimiter())


def test_off_swaps_the_limiter_for_one_that_never_counts() -> None:
    state = _state(limits="off")
    limits_off.install(state)
    assert isinstance(state.limiter, limits_off.Unlimited)
    budget = Budget(1, 10, 60.0)

    async def scenario() -> None:
        for _ in range(3):
            admission = await state.limiter.admit("acct", budget, 1_000)
            assert admission.reserved == 0
            assert (admission.usage.requests_remaining, admission.usage.tokens_remaining) == (1, 10)

    asyncio.run(scenario())


def test_without_the_option_the_limiter_stays() -> None:
    state = _state()
    limiter = state.limiter
    limits_off.install(state)
    assert state.limiter is limiter


def test_any_other_value_is_refused() -> None:
    with pytest.raises(SettingsError, match="limits"):
        limits_off.install(_state(limits="on"))
