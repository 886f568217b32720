"""What the deployment offers, learnt from ``GET /v1/models`` — suites never hard-code model ids."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from suites.client import ApiClient

__all__ = ["CHAT", "Discovery", "discover", "param", "param_names"]

CHAT = "/v1/chat/completions"
_REASONING_CONTROLS = ("reasoning_effort", "enable_thinking", "thinking_budget")


def param_names(model: dict[str, Any]) -> set[str]:
    """The names a model lists in ``supported_parameters``."""
    return {p.get("name", "") for p in model.get("supported_parameters", ()) if isinstance(p, dict)}


def param(model: dict[str, Any], name: str) -> dict[str, Any] | None:
    """The model's ``supported_parameters`` entry named ``name`` (None when not listed)."""
    for p in model.get("supported_parameters", ()):
        if isinstance(p, dict) and p.get("name") == name:
            return p
    return None


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

    # ----- Chat Completions: stable choices, by what the catalog says (never by hard-coded ids) -----

    def chat_models(self) -> list[dict[str, Any]]:
        """Available models serving Chat Completions, sorted by id."""
        return sorted(self.serving(CHAT), key=lambda m: m["id"])

    def per_provider(self, models: list[dict[str, Any]] | None = None) -> list[dict[str, Any]]:
        """One representative per ``owned_by`` (the first id in sorted order), sorted by provider."""
        chosen: dict[str, dict[str, Any]] = {}
        for m in sorted(self.chat_models() if models is None else models, key=lambda m: m["id"]):
            chosen.setdefault(str(m.get("owned_by", "")), m)
        return [chosen[k] for k in sorted(chosen)]

    def plain_chat_model(self) -> dict[str, Any] | None:
        """The simplest chat route: a model that does not reason, preferably one owned by ``openai``."""
        plain = [m for m in self.chat_models() if not (m.get("capabilities") or {}).get("thinking")]
        pool = plain or self.chat_models()
        if not pool:
            return None
        return min(pool, key=lambda m: (m.get("owned_by") != "openai", m["id"]))

    def thinking_models(self) -> list[dict[str, Any]]:
        """Chat models whose ``capabilities.thinking`` is true."""
        return [m for m in self.chat_models() if (m.get("capabilities") or {}).get("thinking")]

    def deepseek_style_reasoners(self) -> list[dict[str, Any]]:
        """Chat models that report ``reasoning_content``: they list a reasoning control
        (``reasoning_effort``, ``enable_thinking``, ``thinking_budget``) or their id names a reasoner
        (``reasoner``, ``r1``). Ids naming a reasoner first (they reason without being asked)."""
        found = [m for m in self.chat_models()
                 if param_names(m) & set(_REASONING_CONTROLS) or "reasoner" in m["id"] or "r1" in m["id"]]
        return sorted(found, key=lambda m: (not ("reasoner" in m["id"] or "r1" in m["id"]), m["id"]))

    def tool_models(self) -> list[dict[str, Any]]:
        """Chat models that call tools: ``capabilities.tool_calling`` and ``tools`` in supported_parameters."""
        return [m for m in self.chat_models()
                if (m.get("capabilities") or {}).get("tool_calling") and "tools" in param_names(m)]

    def non_chat_models(self) -> list[dict[str, Any]]:
        """Available models that do not serve Chat Completions, sorted by id."""
        return sorted((m for m in self.models if m.get("available") and CHAT not in m.get("endpoints", ())),
                      key=lambda m: m["id"])


def discover(api: ApiClient) -> Discovery:
    response = api.get("/v1/models")
    response.raise_for_status()
    return Discovery(models=list(response.json()["data"]))
