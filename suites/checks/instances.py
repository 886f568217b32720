"""Checks on a deployment of several instances: one rate limit per account between all of them (D-4)."""

from __future__ import annotations

from suites.checks import holds
from suites.rules import register

__all__ = ["EXACT_ACROSS", "SHARED_LIMIT", "at_most_the_limit", "refused_everywhere"]

SHARED_LIMIT = "limit_shared_by_instances"
register(SHARED_LIMIT, "decision:D-4",
         "every instance of a deployment draws on the account's one budget: a request refused 429 with "
         "retry-after R on one instance is refused on every other instance for the next R - 1 seconds")
EXACT_ACROSS = "limit_exact_across_instances"
register(EXACT_ACROSS, "decision:D-4",
         "simultaneous requests of one account spread over several instances never admit more than the "
         "account's limit between them (no read-then-write race in the shared state)")


def refused_everywhere(refused_on: str, retry_after: int, answers: dict[str, int]) -> None:
    """``answers`` (instance → status), asked right after ``refused_on`` refused with ``retry_after``
    seconds, are all 429 (the caller asks again when ``retry_after`` is too short to tell)."""
    admitted = {url: status for url, status in answers.items() if status != 429}
    holds(SHARED_LIMIT, not admitted,
          f"{refused_on} refused the account's request with retry-after {retry_after} s, then at once "
          f"{', '.join(f'{url} answered {status}' for url, status in admitted.items())}: each instance limits "
          f"on its own (the limit multiplied by the number of instances)")


def at_most_the_limit(limit: int, answers: list[tuple[str, int]]) -> None:
    """Of simultaneous requests (instance, status), at most ``limit`` were admitted."""
    admitted = [(url, status) for url, status in answers if status != 429]
    holds(EXACT_ACROSS, len(admitted) <= limit,
          f"{len(admitted)} of {len(answers)} simultaneous requests of an account limited to {limit} per minute "
          f"were admitted across the instances: {admitted}")
