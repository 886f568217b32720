"""Driving an account's rate-limit budget (D-142, D-145): requests on the ``--limits-key`` account, timed
from the client (sent, answered), one after another or all at once, and the wait until its window is empty."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import httpx
import pytest

from suites.chat import chat_body
from suites.client import ApiClient
from suites.discovery import CHAT

__all__ = ["STALE_CONNECTION", "LimitsAccount", "Shot", "admitted", "burst", "fresh", "shoot"]

MAX_TOKENS = 16
"""The output limit of the suite's requests: small, so their token reservation never spends the budget."""
_MARGIN = 0.25


@dataclass(frozen=True)
class LimitsAccount:
    """The account the suite may spend: its keys and its window in seconds."""

    key: str
    window: float
    second_key: str | None = None


@dataclass
class Shot:
    """One request: when it was sent and answered, and the answer (its body read)."""

    sent: float
    answered: float
    response: httpx.Response

    @property
    def status(self) -> int:
        return self.response.status_code


Send = Callable[[str], httpx.Response]


def chat_sender(api: ApiClient, model: dict[str, object]) -> Send:
    """A small Chat Completions request with the given key, never retried on a 429."""
    body = chat_body(model, max_completion_tokens=MAX_TOKENS)
    return lambda key: api.post(CHAT, json=body, key=key, retry_429=False)


STALE_CONNECTION = (httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError)
"""What a keep-alive connection the server closed while idle gives (the checks sleep for about a window,
as long as a keep-alive timeout): the request never reached the gateway and is sent once more."""


def shoot(send: Send, key: str) -> Shot:
    sent = time.monotonic()
    try:
        response = send(key)
    except STALE_CONNECTION:
        sent = time.monotonic()
        response = send(key)
    return Shot(sent, time.monotonic(), response)


def burst(send: Send, key: str, count: int) -> list[Shot]:
    """``count`` requests released together from as many threads."""
    start, lock = threading.Barrier(count), threading.Lock()
    shots: list[Shot | None] = [None] * count

    def one(i: int) -> None:
        start.wait()
        shot = shoot(send, key)
        with lock:
            shots[i] = shot

    threads = [threading.Thread(target=one, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return [s for s in shots if s is not None]


def admitted(shots: list[Shot]) -> list[tuple[float, float]]:
    """(sent, answered) of the shots answered 200."""
    return [(s.sent, s.answered) for s in shots if s.status == 200]


def fresh(account: LimitsAccount) -> None:
    """Wait until nothing the earlier tests spent is in the account's window."""
    time.sleep(account.window + _MARGIN)


def limits_account(window: float | None, key: str, second_key: str | None) -> LimitsAccount:
    """The account, or skip naming the options that give its window."""
    if window is None:
        pytest.skip("needs --limits-window S (or EMPIRIO_LIMITS_WINDOW), or --real-time-limits for the documented "
                    "60 s window: the --limits-key account's rate-limit window")
    return LimitsAccount(key, window, second_key)
