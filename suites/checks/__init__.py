"""Named checks: small functions that raise :class:`CheckFailure` naming the rule that broke.

Suites call them on responses; the contract transport has already validated every documented
operation's response against the spec, so checks assert what a schema cannot (the right code for
the case, the right envelope for the endpoint, relations between responses).
"""

from __future__ import annotations

__all__ = ["CheckFailure"]


class CheckFailure(AssertionError):
    """A check failed; ``check`` names it, the message says what was seen."""

    def __init__(self, check: str, message: str) -> None:
        super().__init__(f"[{check}] {message}")
        self.check = check
