"""The official SDKs (``openai``, ``anthropic``) as clients of the deployment, over the contract transport.

Every client built here sends through the session's :class:`~suites.transport.ContractTransport`, so
everything an SDK receives is validated like the suites' own requests, and never closes that shared
transport when the client closes. ``max_retries=0``: a retry would hide the status the deployment
really answered.

``anthropic`` 2.x builds on ``httpx2`` and refuses an ``httpx.Client``, so :class:`Httpx2Bridge` hands its
requests to the (httpx) contract transport and streams the answers back unbuffered.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import anthropic
import httpx
import httpx2
import openai

from suites.plugin import Target
from suites.transport import ContractTransport

__all__ = ["Httpx2Bridge", "SharedTransport", "anthropic_client", "openai_client"]

TIMEOUT = 60


class SharedTransport(httpx.BaseTransport):
    """The session's contract transport, shielded from the SDK client closing it."""

    def __init__(self, inner: ContractTransport) -> None:
        self.inner = inner

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        return self.inner.handle_request(request)

    def close(self) -> None:
        pass


def openai_client(target: Target, transport: ContractTransport, key: str | None = None) -> openai.OpenAI:
    """An ``openai.OpenAI`` for the deployment's ``/v1``, authenticated with ``key`` (default: the session's)."""
    # openai 3.x types http_client as httpx2.Client but accepts a (legacy) httpx.Client at runtime
    http: Any = httpx.Client(transport=SharedTransport(transport), timeout=TIMEOUT)
    return openai.OpenAI(api_key=key or target.api_key, base_url=f"{target.base_url}/v1", max_retries=0,
                         http_client=http)


class _Body(httpx2.SyncByteStream):
    def __init__(self, response: httpx.Response) -> None:
        self.response = response

    def __iter__(self) -> Iterator[bytes]:
        stream = self.response.stream
        assert isinstance(stream, httpx.SyncByteStream)
        yield from stream

    def close(self) -> None:
        self.response.close()


class Httpx2Bridge(httpx2.BaseTransport):
    """An ``httpx2`` transport over the session's (httpx) contract transport, which it never closes."""

    def __init__(self, inner: ContractTransport) -> None:
        self.inner = inner

    def handle_request(self, request: httpx2.Request) -> httpx2.Response:
        forwarded = httpx.Request(request.method, str(request.url), headers=list(request.headers.raw),
                                  content=request.read())
        response = self.inner.handle_request(forwarded)
        return httpx2.Response(response.status_code, headers=list(response.headers.raw), stream=_Body(response),
                               request=request)

    def close(self) -> None:
        pass


def anthropic_client(target: Target, transport: ContractTransport, key: str | None = None) -> anthropic.Anthropic:
    """An ``anthropic.Anthropic`` for the deployment (the SDK adds ``/v1`` itself), authenticated with
    ``key`` (default: the session's)."""
    http = httpx2.Client(transport=Httpx2Bridge(transport), timeout=TIMEOUT)
    return anthropic.Anthropic(api_key=key or target.api_key, base_url=target.base_url, max_retries=0, http_client=http)
