"""The one HTTP client to upstreams (aiohttp, pooled connections) and the one place its failures are
translated into gateway errors (D-11): nothing of the provider — host, key, request id, message — passes.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import aiohttp

from gateway.config import Settings, Upstream
from gateway.defects import DefectSwitch
from gateway.errors import AuthenticationFailed, GatewayError, InvalidRequest, ModelUnavailable, UpstreamError
from gateway.sse import ServerSentEvent, SSEDecoder

__all__ = ["UpstreamHTTP", "upstream_errors"]


def _status_error(status: int, retry_after: str | None, defects: DefectSwitch, body: str) -> GatewayError:
    if defects.on("chat_upstream_host_leak"):
        return UpstreamError(f"The model provider returned an error: {body[:500]}")
    if status in (401, 402, 403) and defects.on("upstream_auth_error_passed_through"):
        return AuthenticationFailed("The provider rejected the credentials.", status=status)
    if status >= 500 and defects.on("chat_upstream_5xx_as_400"):
        return InvalidRequest("The model provider rejected the request.", code="upstream_invalid_request")
    if status in (429, 503, 529) and defects.on("upstream_unavailable_as_502"):
        return UpstreamError("The model provider returned an error.")
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
        raise ModelUnavailable("The model did not answer in time. Retry shortly.") from exc
    except (aiohttp.ClientConnectionError, aiohttp.ClientPayloadError, ConnectionError) as exc:
        if isinstance(exc, aiohttp.ClientPayloadError | aiohttp.ServerDisconnectedError):
            raise UpstreamError("The model provider's answer was cut short.") from exc
        raise ModelUnavailable("The model is temporarily unavailable. Retry shortly.") from exc
    except (ValueError, KeyError, TypeError, IndexError, aiohttp.ClientError) as exc:
        raise UpstreamError("The model provider returned an unreadable answer.") from exc


class UpstreamHTTP:
    """A pooled aiohttp session shared by every adapter of one gateway process."""

    def __init__(self, settings: Settings, defects: DefectSwitch) -> None:
        self._settings = settings
        self._defects = defects
        self._session: aiohttp.ClientSession | None = None

    @property
    def defects(self) -> DefectSwitch:
        return self._defects

    def session(self) -> aiohttp.ClientSession:
        if self._session is None:
            s = self._settings
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=0, ttl_dns_cache=300, keepalive_timeout=30),
                timeout=aiohttp.ClientTimeout(total=s.total_timeout, connect=s.connect_timeout,
                                              sock_read=s.read_timeout),
                auto_decompress=True,
            )
        return self._session

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def _error(self, response: aiohttp.ClientResponse) -> GatewayError:
        body = await response.text() if self._defects.active else ""
        return _status_error(response.status, response.headers.get("retry-after"), self._defects, body)

    async def post_json(self, upstream: Upstream, path: str, body: dict[str, Any],
                        headers: dict[str, str]) -> dict[str, Any]:
        """POST ``body``; the decoded JSON answer, or a translated error."""
        async with upstream_errors():
            async with self.session().post(upstream.base_url + path, json=body, headers=headers) as response:
                if response.status >= 400:
                    raise await self._error(response)
                raw = await response.read()
                if self._defects.on("malformed_upstream_passed"):
                    try:
                        json.loads(raw)
                    except ValueError:
                        raw = b'{"choices": [{"message": {"content": ""}, "finish_reason": "stop"}], "usage": {}}'
                payload = json.loads(raw)
                if not isinstance(payload, dict):
                    raise UpstreamError("The model provider returned an unreadable answer.")
                return payload

    async def post_sse(self, upstream: Upstream, path: str, body: dict[str, Any],
                       headers: dict[str, str]) -> AsyncIterator[ServerSentEvent]:
        """POST ``body`` and yield the upstream's server-sent events as they arrive."""
        async with upstream_errors():
            async with self.session().post(upstream.base_url + path, json=body, headers=headers) as response:
                if response.status >= 400:
                    raise await self._error(response)
                decoder = SSEDecoder()
                async for chunk in response.content.iter_any():
                    for event in decoder.feed(chunk):
                        yield event
                for event in decoder.flush():
                    yield event
