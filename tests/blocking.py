"""Synchronous access to the gateway's async stores, for test set-up and assertions.

``blocking(store)`` answers every coroutine method of ``store`` by running it to completion on a loop of
its own (on a worker thread when the caller is itself inside a running loop). Only for stores with no
loop-bound state: the SQLite ones, whose calls never really wait. ``.inner`` is the store itself, for code
under test.
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Coroutine
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Generic, TypeVar

__all__ = ["Blocking", "blocking", "run"]

T = TypeVar("T")
_THREAD = ThreadPoolExecutor(max_workers=1, thread_name_prefix="blocking-store")


def run(coroutine: Coroutine[Any, Any, T]) -> T:
    """``coroutine``'s result, waited for here."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coroutine)
    return _THREAD.submit(asyncio.run, coroutine).result()


class Blocking(Generic[T]):
    def __init__(self, inner: T) -> None:
        self.inner = inner

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self.inner, name)
        if not callable(attribute):
            return attribute

        def call(*args: Any, **kwargs: Any) -> Any:
            result = attribute(*args, **kwargs)
            return run(result) if inspect.iscoroutine(result) else result

        return call


def blocking(inner: T) -> Blocking[T]:
    return Blocking(inner)
