"""Checks on a deployment of several instances: one rate limit per account between all of them (D-4)."""

from __future__ import annotations

from suites.checks import holds
from suites.rules import register

__all__ = ["SHARED_LIMIT", "refused_everywhere"]

SHARED_LIMIT = "limit_shared_by_instances"
register(SHARED_LIMIT, "decision:D-4",
         "every instance of a deployment draws on the account's one budget: a request refused 429 with "
         "retry-after R on one instance is refused on every other instance for the next R - 1 seconds")


def refused_everywhere(refused_on: str, retry_after: int, answers: dict[str, int]) -> None:
    """``answers`` (instance → status), asked right after ``refused_on`` refused with ``retry_after``
    seconds, are all 429 (the caller asks again when ``retry_after`` is too short to tell)."""
    admitted = {url: status for url, status in answers.items() if status != 429}
    holds(SHARED_LIMIT, not admitted,
          f"{refused_on} refused the account's request with retry-after {retry_after} s, then at once "
          f"{', '.join(f'{url} answered {status}' for url, status in admitted.items())}: each instance limits "
          f"on its own (the limit multiplied by the number of instances)")
