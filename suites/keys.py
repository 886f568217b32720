"""The deployment's key hook (``--keys-url``, D-202): list, create and revoke the keys of the presented key's
account from outside, as an operator's dashboard would.

``GET`` answers ``{"limit": n, "data": [{"key_id", "live", ...}]}``; ``POST {"label"?, "expires_in"?}`` answers
201 ``{"key_id", "api_key", "expires_at"}`` or a 4xx once the account holds its limit; ``DELETE .../{key_id}``
revokes a key. Every call presents a key of the account as ``Authorization: Bearer``.
"""

from __future__ import annotations

from typing import Any

import httpx

__all__ = ["KeyHook"]


class KeyHook:
    """The key hook at ``url``, acting for the account of ``api_key``."""

    def __init__(self, url: str, api_key: str, timeout: float = 30.0) -> None:
        self.url = url.rstrip("/")
        self._client = httpx.Client(headers={"authorization": f"Bearer {api_key}"}, timeout=timeout)
        self.made: list[str] = []
        """Ids of the keys this hook created (and :meth:`close` revokes when still live)."""

    def close(self) -> None:
        """Revoke the keys this hook made that are still unrevoked, and close the connection."""
        try:
            unrevoked = {k["key_id"] for k in self.listing()["data"] if k.get("revoked_at") is None}
            for key_id in self.made:
                if key_id in unrevoked:
                    self.revoke(key_id)
        finally:
            self._client.close()

    def _ok(self, response: httpx.Response) -> dict[str, Any]:
        if response.status_code not in (200, 201):
            raise RuntimeError(f"{response.request.method} {response.request.url} answered "
                               f"{response.status_code}: {response.text[:200]}")
        answer: dict[str, Any] = response.json()
        return answer

    def listing(self) -> dict[str, Any]:
        return self._ok(self._client.get(self.url))

    def live_count(self) -> int:
        return sum(1 for key in self.listing()["data"] if key.get("live"))

    def try_create(self, *, expires_in: float | None = None, label: str = "conformance") -> httpx.Response:
        body: dict[str, Any] = {"label": label}
        if expires_in is not None:
            body["expires_in"] = expires_in
        response = self._client.post(self.url, json=body)
        if response.status_code == 201:
            self.made.append(str(response.json()["key_id"]))
        return response

    def create(self, *, expires_in: float | None = None) -> dict[str, Any]:
        return self._ok(self.try_create(expires_in=expires_in))

    def revoke(self, key_id: str) -> None:
        self._ok(self._client.delete(f"{self.url}/{key_id}"))
