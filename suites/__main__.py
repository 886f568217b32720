"""``empirio-conformance [pytest options]`` (or ``python -m suites``): the installed suites, run from any
directory.

The same as ``pytest --pyargs suites`` with the current directory as pytest's rootdir (so no cache or
report lands inside site-packages); every option goes to pytest, e.g. ``--base-url URL --api-key KEY``.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

_IMPORTED_BEFORE_PYTEST = "ignore:Module already imported so cannot be rewritten; suites:pytest.PytestAssertRewriteWarning"
"""This command is itself in ``suites``, imported before pytest starts; its modules are still rewritten."""


def main(argv: list[str] | None = None) -> int:
    """Run the suites with ``argv`` (default: the command line) and return pytest's exit code."""
    args = sys.argv[1:] if argv is None else argv
    return int(pytest.main(["--pyargs", "suites", f"--rootdir={Path.cwd()}", "-p", "no:cacheprovider",
                            "-W", _IMPORTED_BEFORE_PYTEST, *args]))


if __name__ == "__main__":
    sys.exit(main())
