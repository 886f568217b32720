"""The embedded limiter (gateway/limits/memory.py): exact at the window's boundaries, exact under concurrent
admissions, reservations reconciled and released (D-3, D-139)."""

from __future__ import annotations

import asyncio

import pytest

from gateway.limits.base import Budget, Refused
from gateway.limits.memory import MemoryLimiter


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _run(coro: object) -> object:
    return asyncio.run(coro)  # type: ignore[arg-type]


def test_exactly_the_limit_then_refused_until_the_window_moved() -> None:
    clock = FakeClock()
    limiter, budget = MemoryLimiter(clock), Budget(3, 0, 10.0)

    async def scenario() -> None:
        for _ in range(3):
            await limiter.admit("a", budget)
            clock.now += 1
        with pytest.raises(Refused) as refused:
            await limiter.admit("a", budget)
        assert refused.value.dimension == "requests" and refused.value.retry_after == pytest.approx(7.0)
        clock.now = 1010.0  # the first admission is exactly one window old: still held (boundaries included)
        with pytest.raises(Refused):
            await limiter.admit("a", budget)
        clock.now = 1010.001
        admission = await limiter.admit("a", budget)
        assert admission.usage.requests_remaining == 0
        assert admission.usage.requests_reset == pytest.approx(10.0)

    _run(scenario())


def test_keys_are_independent() -> None:
    limiter, budget = MemoryLimiter(FakeClock()), Budget(1, 0, 60.0)

    async def scenario() -> None:
        await limiter.admit("a", budget)
        await limiter.admit("b", budget)
        with pytest.raises(Refused):
            await limiter.admit("a", budget)

    _run(scenario())


def test_concurrent_admissions_never_exceed_the_limit() -> None:
    limiter, budget = MemoryLimiter(), Budget(7, 0, 60.0)

    async def one() -> bool:
        try:
            await limiter.admit("a", budget)
        except Refused:
            return False
        return True

    async def scenario() -> list[bool]:
        return list(await asyncio.gather(*(one() for _ in range(50))))

    assert sum(_run(scenario())) == 7  # type: ignore[arg-type]


def test_tokens_are_reserved_reconciled_and_released() -> None:
    clock = FakeClock()
    limiter, budget = MemoryLimiter(clock), Budget(100, 1000, 60.0)

    async def scenario() -> None:
        first = await limiter.admit("a", budget, 600)
        assert first.reserved == 600 and first.usage.tokens_remaining == 400
        with pytest.raises(Refused) as refused:
            await limiter.admit("a", budget, 500)
        assert refused.value.dimension == "tokens" and refused.value.retry_after == pytest.approx(60.0)
        usage = await limiter.reconcile(first, 100)
        assert usage.tokens_remaining == 900 and usage.requests_remaining == 99
        second = await limiter.admit("a", budget, 500)
        await limiter.release(second)
        third = await limiter.admit("a", budget, 0)
        assert third.usage.tokens_remaining == 900 and third.usage.requests_remaining == 98

    _run(scenario())


def test_an_estimate_over_the_whole_budget_is_refused_for_a_window() -> None:
    limiter, budget = MemoryLimiter(FakeClock()), Budget(10, 100, 5.0)

    async def scenario() -> None:
        with pytest.raises(Refused) as refused:
            await limiter.admit("a", budget, 101)
        assert refused.value.dimension == "tokens" and refused.value.retry_after == 5.0
        assert (await limiter.admit("a", budget, 100)).usage.requests_remaining == 9

    _run(scenario())


def test_reconcile_after_the_entry_left_the_window_is_a_no_op() -> None:
    clock = FakeClock()
    limiter, budget = MemoryLimiter(clock), Budget(10, 100, 5.0)

    async def scenario() -> None:
        admission = await limiter.admit("a", budget, 50)
        clock.now += 6
        usage = await limiter.reconcile(admission, 80)
        assert usage.tokens_remaining == 100 and usage.requests_remaining == 10

    _run(scenario())


def test_running_totals_match_the_log_after_any_sequence() -> None:
    """The log's token total and ticket index, kept incrementally, equal what re-summing the log gives."""
    from hypothesis import given, settings
    from hypothesis import strategies as st

    steps = st.lists(st.tuples(st.sampled_from(["admit", "reconcile", "release", "tick"]),
                               st.integers(0, 500), st.floats(0, 4)), max_size=60)

    @settings(max_examples=60, deadline=None)
    @given(steps)
    def check(sequence: list[tuple[str, int, float]]) -> None:
        clock = FakeClock()
        limiter, budget = MemoryLimiter(clock), Budget(20, 5000, 10.0)

        async def scenario() -> None:
            admitted = []
            for action, tokens, seconds in sequence:
                if action == "admit":
                    try:
                        admitted.append(await limiter.admit("k", budget, tokens))
                    except Refused:
                        pass
                elif action == "reconcile" and admitted:
                    await limiter.reconcile(admitted[tokens % len(admitted)], tokens)
                elif action == "release" and admitted:
                    await limiter.release(admitted.pop(tokens % len(admitted)))
                else:
                    clock.now += seconds
                log = limiter._logs.get("k")
                if log is not None:
                    log.expire(clock.now - budget.window)
                    assert log.spent == sum(e.tokens for e in log.entries)
                    assert set(log.tickets) == {e.ticket for e in log.entries}

        _run(scenario())

    check()
