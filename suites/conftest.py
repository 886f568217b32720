"""Fixtures shared by the suites (the plugin provides target, api, contract and the operator keys).

The SDK clients' fixtures import :mod:`suites.sdk` only when a test asks for one: the SDKs are slow to
import, and most runs (and the self-tests' many in-process runs) use none of them.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

from suites.discovery import Discovery
from suites.discovery_hooks import session_discovery
from suites.plugin import Target
from suites.transport import ContractTransport

if TYPE_CHECKING:
    import anthropic
    import openai


@pytest.fixture(scope="session")
def discovery(pytestconfig: pytest.Config) -> Discovery:
    """What the deployment serves: its catalog (``/v1/models``), what probing its listed models showed
    when the listing is plain, and the ``--model`` pins (:mod:`suites.discovery`)."""
    return session_discovery(pytestconfig)


@pytest.fixture
def openai_sdk(target: Target, contract_transport: ContractTransport) -> Iterator[openai.OpenAI]:
    """The official ``openai`` SDK, authenticated with the session's key (:func:`suites.sdk.openai_client`)."""
    from suites.sdk import openai_client

    client = openai_client(target, contract_transport)
    yield client
    client.close()


@pytest.fixture
def anthropic_sdk(target: Target, contract_transport: ContractTransport) -> Iterator[anthropic.Anthropic]:
    """The official ``anthropic`` SDK, authenticated with the session's key (:func:`suites.sdk.anthropic_client`)."""
    from suites.sdk import anthropic_client

    client = anthropic_client(target, contract_transport)
    yield client
    client.close()
