"""Shared fixtures for the project's own tests: one reference deployment in test mode per session."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from suites.launcher import Deployment, launch

pytest_plugins = ["pytester"]


@pytest.fixture(scope="session")
def deployment() -> Iterator[Deployment]:
    """The reference gateway and mocks, started in test mode (named defects can be switched on)."""
    started = launch(test_mode=True)
    yield started
    started.stop()


@pytest.fixture(scope="session")
def control(deployment: Deployment) -> Iterator[httpx.Client]:
    """A client for the gateway's test-mode control API."""
    with httpx.Client(base_url=deployment.control_url, timeout=10) as client:
        yield client
