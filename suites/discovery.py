"""What the deployment offers, learnt from ``GET /v1/models`` — suites never hard-code model ids."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from suites.client import ApiClient

__all__ = ["Discovery", "discover"]


@dataclass(frozen=True)
class Discovery:
    models: list[dict[str, Any]]

    def ids(self) -> list[str]:
        return [m["id"] for m in self.models]

    def serving(self, endpoint: str, *, available: bool = True) -> list[dict[str, Any]]:
        """Models that serve ``endpoint`` (a path such as ``/v1/chat/completions``)."""
        return [m for m in self.models if endpoint in m.get("endpoints", ()) and (m.get("available") or not available)]

    def sample(self, limit: int) -> list[dict[str, Any]]:
        """Up to ``limit`` models, spread over providers and categories, in a stable order."""
        seen: set[tuple[str, str]] = set()
        first: list[dict[str, Any]] = []
        rest: list[dict[str, Any]] = []
        for m in self.models:
            key = (m.get("owned_by", ""), m.get("category", ""))
            (rest if key in seen else first).append(m)
            seen.add(key)
        return (first + rest)[:limit]


def discover(api: ApiClient) -> Discovery:
    response = api.get("/v1/models")
    response.raise_for_status()
    return Discovery(models=list(response.json()["data"]))
