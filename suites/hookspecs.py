"""Hooks the suites call, for a plugin (an operator's ``conftest.py``) to implement."""

from __future__ import annotations

import pytest

__all__ = ["pytest_empirio_restart"]


@pytest.hookspec(firstresult=True)
def pytest_empirio_restart(config: pytest.Config) -> bool | None:
    """Restart the deployment's gateway, keeping its store, and return ``True`` once it serves again
    (``None``: this implementation cannot). The restart-persistence checks (D-89) need one."""
