"""Fixtures shared by the suites (the plugin provides target, api, contract and the operator keys)."""

from __future__ import annotations

import pytest

from suites.client import ApiClient
from suites.discovery import Discovery, discover


@pytest.fixture(scope="session")
def discovery(api: ApiClient) -> Discovery:
    """The deployment's catalog, as its ``/v1/models`` reports it."""
    return discover(api)
