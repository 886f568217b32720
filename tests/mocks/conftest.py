"""A real mock-upstream server (subprocess, free ports) for the mock tests; faster than ``deployment``.

Clients are per session (creating an httpx client costs ~50 ms); each per-test fixture clears any
queued control fault before and after the test.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from mock_support import AUTH, MockServer


@pytest.fixture(scope="session")
def mock_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MockServer]:
    server = MockServer()
    server.start(Path(tmp_path_factory.mktemp("mocks")) / "mocks.log")
    yield server
    server.stop()


@pytest.fixture(scope="session")
def mock_clients(mock_server: MockServer) -> Iterator[dict[str, httpx.Client]]:
    clients = {family: httpx.Client(base_url=mock_server.urls[family], headers=headers, timeout=10)
               for family, headers in AUTH.items()}
    yield clients
    for client in clients.values():
        client.close()


def _reset(client: httpx.Client) -> Iterator[httpx.Client]:
    client.delete("/__mock__/faults")
    yield client
    client.delete("/__mock__/faults")


@pytest.fixture
def openai_client(mock_clients: dict[str, httpx.Client]) -> Iterator[httpx.Client]:
    yield from _reset(mock_clients["openai"])


@pytest.fixture
def deepseek_client(mock_clients: dict[str, httpx.Client]) -> Iterator[httpx.Client]:
    yield from _reset(mock_clients["deepseek"])


@pytest.fixture
def anthropic_client(mock_clients: dict[str, httpx.Client]) -> Iterator[httpx.Client]:
    yield from _reset(mock_clients["anthropic"])


@pytest.fixture
def embeddings_client(mock_clients: dict[str, httpx.Client]) -> Iterator[httpx.Client]:
    yield from _reset(mock_clients["embeddings"])


@pytest.fixture
def audio_client(mock_clients: dict[str, httpx.Client]) -> Iterator[httpx.Client]:
    yield from _reset(mock_clients["audio"])


@pytest.fixture(params=["openai", "deepseek", "anthropic"])
def family(request: pytest.FixtureRequest, mock_clients: dict[str, httpx.Client]) -> Iterator[tuple[str, httpx.Client]]:
    """Each chat family in turn, as ``(name, client)``."""
    for client in _reset(mock_clients[request.param]):
        yield request.param, client
