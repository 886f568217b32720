"""The one HTTP client to upstreams (aiohttp, pooled connections) and the one place its failures are
translated into gateway errors (D-11): nothing of the provider — host, key, request id, message — passes.

Its time limits (:class:`UpstreamTimeouts`, D-72), read per call from :meth:`UpstreamHTTP.timeouts`: connect,
``read`` (aiohttp's bound between socket reads), ``total`` per call, ``first_byte`` (from sending the request
to the answer's head) and ``idle`` (between two pieces of a streamed answer). A limit that passes is 502
``upstream_error`` before the answer started, and the format's in-band error frame in a stream.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import aiohttp

from gateway.config import Settings, Upstream
from gateway.errors import GatewayError, InvalidRequest, ModelUnavailable, UpstreamError
from gateway.sse import ServerSentEvent, SSEDecoder

__all__ = ["UpstreamHTTP", "UpstreamTimeouts", "status_error", "upstream_errors"]

_STALE_CONNECTION = (aiohttp.ServerDisconnectedError, aiohttp.ClientOSError)
"""How a reused connection that the upstream had already closed fails (before any answer arrived)."""


def status_error(status: int, retry_after: str | None) -> GatewayError:
    """The gateway error for an upstream answering HTTP ``status``."""
    if status in (429, 503, 529):
        headers = {"retry-after": retry_after} if retry_after and retry_after.isdigit() else {}
        return ModelUnavailable("The model is temporarily unavailable. Retry shortly.", headers=headers)
    if status in (400, 422):
        return InvalidRequest("The model provider rejected the request.", code="upstream_invalid_request")
    if status == 404:
        return ModelUnavailable("The model is temporarily unavailable. Retry shortly.")
    return UpstreamError("The model provider returned an error.")


@asynccontextmanager
async def upstream_errors() -> AsyncIterator[None]:
    """Translate every failure of an upstream exchange into a :class:`GatewayError`."""
    try:
        yield
    except GatewayError:
        raise
    except (TimeoutError, aiohttp.ServerTimeoutError) as exc:
        raise UpstreamError("The model provider did not answer in time.") from exc
    except (aiohttp.ClientPayloadError, aiohttp.ServerDisconnectedError) as exc:
        raise UpstreamError("The model provider's answer was cut short.") from exc
    except (aiohttp.ClientConnectionError, ConnectionError) as exc:
        raise UpstreamError("The model provider could not be reached.") from exc
    except (ValueError, KeyError, TypeError, IndexError, aiohttp.ClientError) as exc:
        raise UpstreamError("The model provider returned an unreadable answer.") from exc


@dataclass(frozen=True)
class UpstreamTimeouts:
    """Seconds an upstream call may take, by phase; ``None`` is unbounded."""

    connect: float | None
    read: float | None
    total: float | None
    first_byte: float | None
    idle: float | None

    @classmethod
    def of(cls, settings: Settings) -> UpstreamTimeouts:
        return cls(settings.connect_timeout, settings.read_timeout, settings.total_timeout,
                   settings.first_byte_timeout, settings.idle_timeout)

    def client(self) -> aiohttp.ClientTimeout:
        return aiohttp.ClientTimeout(total=self.total, connect=self.connect, sock_read=self.read)


class UpstreamHTTP:
    """A pooled aiohttp session shared by every adapter of one gateway process."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._timeouts = UpstreamTimeouts.of(settings)
        self._session: aiohttp.ClientSession | None = None

    def timeouts(self) -> UpstreamTimeouts:
        """The time limits of the next call."""
        return self._timeouts

    def session(self) -> aiohttp.ClientSession:
        if self._session is None:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=0, ttl_dns_cache=300, keepalive_timeout=30),
                timeout=self._timeouts.client(),
                auto_decompress=True,
            )
        return self._session

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def _open(self, url: str, body: dict[str, Any], headers: dict[str, str]) -> aiohttp.ClientResponse:
        """POST and wait for the answer's head. A pooled keep-alive connection the upstream closed just as it
        was reused fails before any answer; the request is then sent once more, on a fresh connection."""
        timeouts = self.timeouts()
        async with asyncio.timeout(timeouts.first_byte):
            try:
                return await self.session().post(url, json=body, headers=headers, timeout=timeouts.client())
            except _STALE_CONNECTION:
                return await self.session().post(url, json=body, headers=headers, timeout=timeouts.client())

    async def error_for(self, response: aiohttp.ClientResponse) -> GatewayError:
        """The translated error for an upstream answer with status >= 400 (its body is not read)."""
        return status_error(response.status, response.headers.get("retry-after"))

    async def read_json(self, response: aiohttp.ClientResponse) -> Any:
        """The decoded JSON body of a successful upstream answer."""
        return json.loads(await response.read())

    async def post_json(self, upstream: Upstream, path: str, body: dict[str, Any],
                        headers: dict[str, str]) -> dict[str, Any]:
        """POST ``body``; the decoded JSON answer, or a translated error."""
        async with upstream_errors(), await self._open(upstream.base_url + path, body, headers) as response:
            if response.status >= 400:
                raise await self.error_for(response)
            payload = await self.read_json(response)
            if not isinstance(payload, dict):
                raise UpstreamError("The model provider returned an unreadable answer.")
            return payload

    async def post_bytes(self, upstream: Upstream, path: str, body: dict[str, Any],
                         headers: dict[str, str]) -> tuple[bytes, str, dict[str, str]]:
        """POST ``body``; the answer's bytes, content type and headers, or a translated error."""
        async with upstream_errors(), await self._open(upstream.base_url + path, body, headers) as response:
            if response.status >= 400:
                raise await self.error_for(response)
            audio = await response.read()
            return audio, response.headers.get("content-type", ""), {k.lower(): v for k, v in response.headers.items()}

    async def get_bytes(self, upstream: Upstream, path: str, headers: dict[str, str]) -> tuple[bytes, str]:
        """GET ``path`` (an upstream job's state or result); the answer's bytes and content type, or a
        translated error."""
        timeouts = self.timeouts()
        async with upstream_errors():
            async with asyncio.timeout(timeouts.first_byte):
                response = await self.session().get(upstream.base_url + path, headers=headers,
                                                    timeout=timeouts.client())
            async with response:
                if response.status >= 400:
                    raise await self.error_for(response)
                return await response.read(), response.headers.get("content-type", "")

    async def get_json(self, upstream: Upstream, path: str, headers: dict[str, str]) -> dict[str, Any]:
        """GET ``path``; the decoded JSON object, or a translated error (502 when it is not one)."""
        data, _ = await self.get_bytes(upstream, path, headers)
        try:
            payload = json.loads(data)
        except ValueError:
            payload = None
        if not isinstance(payload, dict):
            raise UpstreamError("The model provider returned an unreadable answer.")
        return payload

    async def post_sse(self, upstream: Upstream, path: str, body: dict[str, Any],
                       headers: dict[str, str]) -> AsyncIterator[ServerSentEvent]:
        """POST ``body`` and yield the upstream's server-sent events as they arrive."""
        async with upstream_errors(), await self._open(upstream.base_url + path, body, headers) as response:
            if response.status >= 400:
                raise await self.error_for(response)
            decoder, idle = SSEDecoder(), self.timeouts().idle
            while True:
                async with asyncio.timeout(idle):
                    chunk = await response.content.readany()
                if not chunk:
                    break
                for event in decoder.feed(chunk):
                    yield event
            for event in decoder.flush():
                yield event
