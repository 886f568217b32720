"""The suites' HTTP client: httpx through the contract transport, with the deployment's key.

A 429 is retried (honouring ``retry-after``, at most :data:`MAX_429_RETRIES` times and
:data:`MAX_429_WAIT` seconds in all) unless the caller passes ``retry_429=False``: a deployment with
the documented 50 RPM must not fail the suites just because they are fast. Checks of the 429 itself
pass ``retry_429=False``.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, Literal

import httpx

if TYPE_CHECKING:
    from suites.recorder import Recorder

__all__ = ["MAX_429_RETRIES", "MAX_429_WAIT", "ApiClient", "AuthStyle"]

AuthStyle = Literal["bearer", "x-api-key", "none"]

MAX_429_RETRIES = 3
MAX_429_WAIT = 20.0
_DEFAULT_RETRY_AFTER = 1.0


def _retry_after(response: httpx.Response) -> float:
    value = response.headers.get("retry-after", "")
    try:
        return max(float(value), 0.2)
    except ValueError:
        return _DEFAULT_RETRY_AFTER


class ApiClient:
    """Requests to one deployment; every response is validated by the transport it was built with."""

    def __init__(self, base_url: str, api_key: str, transport: httpx.BaseTransport, timeout: float = 60.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.api_key = api_key
        self.memo: dict[str, Any] = {}  # per-session facts the suites learnt about the deployment
        self.recorder: Recorder | None = getattr(transport, "recorder", None)  # where its violations go
        self._http = httpx.Client(base_url=self.base_url, transport=transport, timeout=timeout,
                                  headers={"accept-encoding": "identity"})

    def close(self) -> None:
        self._http.close()

    def _headers(self, key: str | None, auth: AuthStyle, headers: dict[str, str | bytes] | None) -> dict[bytes, bytes]:
        merged: dict[str, str | bytes] = dict(headers or {})
        key = self.api_key if key is None else key
        if auth == "bearer":
            merged.setdefault("authorization", f"Bearer {key}")
        elif auth == "x-api-key":
            merged.setdefault("x-api-key", key)
        encoded = {k: v.encode("latin-1") if isinstance(v, str) else v for k, v in merged.items()}
        return {k.encode(): v for k, v in encoded.items()}

    def _send(self, request_factory: Any, *, stream: bool, retry_429: bool) -> httpx.Response:
        waited = 0.0
        attempt = 0
        while True:
            response: httpx.Response = self._http.send(request_factory(), stream=stream)
            if response.status_code != 429 or not retry_429 or attempt >= MAX_429_RETRIES:
                return response
            delay = _retry_after(response)
            if waited + delay > MAX_429_WAIT:
                return response
            response.close()
            time.sleep(delay)
            waited += delay
            attempt += 1

    def request(
        self,
        method: str,
        path: str,
        *,
        key: str | None = None,
        auth: AuthStyle = "bearer",
        headers: dict[str, str | bytes] | None = None,
        retry_429: bool = True,
        streamed: bool = False,
        **kwargs: Any,
    ) -> httpx.Response:
        """Send one request authenticated with ``key`` (default: the session's key) in ``auth`` style.
        With ``streamed`` the body is left for the caller to read and close (see :meth:`stream`)."""
        encoded = self._headers(key, auth, headers)
        return self._send(lambda: self._http.build_request(method, path, headers=encoded, **kwargs),
                          stream=streamed, retry_429=retry_429)

    @contextmanager
    def stream(self, method: str, path: str, **kwargs: Any) -> Iterator[httpx.Response]:
        """Like :meth:`request` (the same keywords), but the body is read by the caller as it arrives
        (``iter_bytes``) and the response is closed on leaving the block."""
        response = self.request(method, path, streamed=True, **kwargs)
        try:
            yield response
        finally:
            response.close()

    def get(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("POST", path, **kwargs)
