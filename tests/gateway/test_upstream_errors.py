"""``gateway.upstreams.http``: transport failures of an upstream exchange are 502 ``upstream_error`` (D-11),
with a message that names nothing of the upstream."""

from __future__ import annotations

import asyncio
import socket

import aiohttp
import pytest

from gateway.config import Settings, Upstream
from gateway.errors import GatewayError, UpstreamError
from gateway.upstreams.http import UpstreamHTTP, upstream_errors


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


async def _raised(exc: BaseException) -> GatewayError:
    with pytest.raises(GatewayError) as caught:
        async with upstream_errors():
            raise exc
    return caught.value


@pytest.mark.parametrize("exc", [
    TimeoutError(),
    aiohttp.ServerTimeoutError("Timeout on reading data from socket"),
    aiohttp.ServerDisconnectedError(),
    ConnectionRefusedError(111, "Connection refused"),
    aiohttp.ClientConnectionError("Cannot connect to host upstream.internal:443"),
], ids=["timeout", "read-timeout", "disconnected", "refused", "connection-error"])
def test_transport_failures_are_502_upstream_error(exc: BaseException) -> None:
    error = asyncio.run(_raised(exc))
    assert isinstance(error, UpstreamError)
    assert (error.status, error.code) == (502, "upstream_error")
    assert "upstream.internal" not in error.message and "443" not in error.message


def test_refused_connection_is_502_without_the_host() -> None:
    port = _closed_port()

    async def call() -> GatewayError:
        http = UpstreamHTTP(Settings(connect_timeout=2.0))
        try:
            with pytest.raises(GatewayError) as caught:
                await http.post_json(Upstream(base_url=f"http://127.0.0.1:{port}"), "/v1/chat/completions", {}, {})
            return caught.value
        finally:
            await http.close()

    error = asyncio.run(call())
    assert (error.status, error.code) == (502, "upstream_error")
    assert "127.0.0.1" not in error.message and str(port) not in error.message


def test_a_connection_closed_before_answering_is_retried_once_on_a_fresh_one() -> None:
    """The keep-alive race: an upstream closing a connection as the gateway reuses it. The first
    connection is closed without an answer; the request goes once more, on a new connection, and succeeds."""
    connections: list[int] = []

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        connections.append(1)
        await reader.readuntil(b"\r\n\r\n")
        if len(connections) == 1:
            writer.close()
            return
        body = b'{"ok": true}'
        writer.write(b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: %d\r\n\r\n%s"
                     % (len(body), body))
        await writer.drain()
        writer.close()

    async def run() -> dict[str, object]:
        server = await asyncio.start_server(handle, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        http = UpstreamHTTP(Settings())
        try:
            return await http.post_json(Upstream(f"http://127.0.0.1:{port}"), "/v1/x", {}, {})
        finally:
            await http.close()
            server.close()

    assert asyncio.run(run()) == {"ok": True}
    assert len(connections) == 2
