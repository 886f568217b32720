"""Shared fixtures for the project's own tests: one reference deployment in test mode per session."""

from __future__ import annotations

import ast
import importlib
import importlib.util
import sys
from collections.abc import Iterator
from typing import TYPE_CHECKING

import httpx
import pytest

from suites import ROOT
from suites.launcher import Deployment, launch

if TYPE_CHECKING:
    from suites.servers import PostgresServer

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


def _suite_dependencies() -> list[str]:
    """The third-party packages the suites import (``import``, ``from … import``, ``pytest.importorskip``)."""
    names: set[str] = set()
    for path in (ROOT / "suites").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names.add(node.module)
            elif isinstance(node, ast.Call) and getattr(node.func, "attr", None) == "importorskip" and node.args \
                    and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str):
                names.add(node.args[0].value)
    return sorted(n for n in names if n.partition(".")[0] not in sys.stdlib_module_names
                  and n.partition(".")[0] != "suites")


@pytest.fixture(scope="session")
def suite_dependencies() -> list[str]:
    """Import, once per session, the third-party packages the suites use, and return those importable here.

    ``pytester`` drops every module an in-process run imported when the run ends, so without this each run
    of the suites imported the SDKs, LangChain and Schemathesis anew (seconds per run, and the heap grew
    with every copy). Imported before ``pytester`` takes its snapshot, they stay; the suites' own modules
    (``suites.*``) are still imported afresh by every run, so no state of theirs carries over."""
    loaded = []
    for name in _suite_dependencies():
        try:
            if importlib.util.find_spec(name) is None:
                continue
            importlib.import_module(name)
        except ImportError:  # an optional extra (frameworks) not installed: the suites skip saying so
            continue
        loaded.append(name)
    return loaded


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    """A private ``redis-server`` for the session (suites.servers); skips saying why when none can start."""
    from suites.servers import RedisServer, RedisUnavailable

    server = RedisServer()
    try:
        server.start()
    except RedisUnavailable as why:
        pytest.skip(f"no Redis for the multi-instance tests: {why}")
    yield server.url
    server.stop()


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """A private PostgreSQL for the session (suites.servers); skips saying why when none can start."""
    from suites.servers import PostgresServer, PostgresUnavailable

    server = PostgresServer()
    try:
        server.start()
    except PostgresUnavailable as why:
        pytest.skip(f"no PostgreSQL for the multi-instance tests: {why}")
    yield server
    server.stop()


@pytest.fixture(scope="session")
def postgres_url(postgres_server: PostgresServer) -> str:
    """The session server's ``postgres`` database (shared by every test that uses it)."""
    return postgres_server.url


@pytest.fixture
def postgres_database(postgres_server: PostgresServer) -> Iterator[str]:
    """A fresh empty database on the session's server, dropped after the test: no rows from other tests."""
    url = postgres_server.create_database()
    yield url
    postgres_server.drop_database(url)
