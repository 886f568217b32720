"""The suites' HTTP client: httpx through the contract transport, with the deployment's key."""

from __future__ import annotations

from typing import Any, Literal

import httpx

__all__ = ["ApiClient", "AuthStyle"]

AuthStyle = Literal["bearer", "x-api-key", "none"]


class ApiClient:
    """Requests to one deployment; every response is validated by the transport it was built with."""

    def __init__(self, base_url: str, api_key: str, transport: httpx.BaseTransport, timeout: float = 60.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.api_key = api_key
        self._http = httpx.Client(base_url=self.base_url, transport=transport, timeout=timeout,
                                  headers={"accept-encoding": "identity"})

    def close(self) -> None:
        self._http.close()

    def request(
        self,
        method: str,
        path: str,
        *,
        key: str | None = None,
        auth: AuthStyle = "bearer",
        headers: dict[str, str | bytes] | None = None,
        **kwargs: Any,
    ) -> httpx.Response:
        """Send one request authenticated with ``key`` (default: the session's key) in ``auth`` style."""
        merged: dict[str, str | bytes] = dict(headers or {})
        key = self.api_key if key is None else key
        if auth == "bearer":
            merged.setdefault("authorization", f"Bearer {key}")
        elif auth == "x-api-key":
            merged.setdefault("x-api-key", key)
        encoded = {k: v.encode("latin-1") if isinstance(v, str) else v for k, v in merged.items()}
        return self._http.request(method, path, headers={k.encode(): v for k, v in encoded.items()}, **kwargs)

    def get(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("POST", path, **kwargs)
