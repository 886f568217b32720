"""``raises``: like ``pytest.raises`` for the official SDKs, but a wrong exception fails in one line,
"raised X, expected Y", instead of surfacing as the SDK's own traceback."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from suites.checks import CheckFailure
from suites.leaks import cut
from suites.rules import register

register("sdk_error_class", "docs:openai-and-anthropic-compatibility#sdk-configuration-cheat-sheet",
         "the official SDK raises the exception class its docs give for the status")

__all__ = ["Caught", "raises"]


@dataclass
class Caught:
    """What the block raised (set when it raised the expected class)."""

    value: BaseException | None = None


def _names(expected: type[BaseException] | tuple[type[BaseException], ...]) -> str:
    classes = expected if isinstance(expected, tuple) else (expected,)
    return " or ".join(c.__name__ for c in classes)


@contextmanager
def raises(expected: type[BaseException] | tuple[type[BaseException], ...], what: str = "the SDK") -> Iterator[Caught]:
    """The block must raise ``expected``; anything else fails with ``[sdk_error_class] raised X (…), expected Y``."""
    caught = Caught()
    try:
        yield caught
    except expected as exc:
        caught.value = exc
        return
    except Exception as exc:  # noqa: BLE001 - any other exception is the finding
        status = getattr(exc, "status_code", None)
        detail = f"status {status}: " if status is not None else ""
        raise CheckFailure("sdk_error_class", f"{what} raised {type(exc).__name__} ({detail}{cut(str(exc), 160)}), "
                                              f"expected {_names(expected)}") from None
    raise CheckFailure("sdk_error_class", f"{what} raised nothing, expected {_names(expected)}")
