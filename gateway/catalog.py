"""The model catalog: loaded once from ``fixtures/catalog/`` and served as pre-encoded JSON.

The fixture is the single source of truth for ``/v1/models``, request validation and pricing. Each
entry may reference shared ``parameter_sets``; :func:`load_catalog` expands them (a model's own entry
overrides a set's entry of the same name) and splits off the internal ``upstream`` routing data, which
is never shown to API users.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml

from gateway.errors import InvalidRequest
from gateway.pricing import TokenPrices, message_fee, token_prices, unpriced_option

__all__ = ["AVAILABLE_STATUSES", "Catalog", "CatalogModel", "load_catalog"]

AVAILABLE_STATUSES = frozenset({"platform", "both"})
_INTERNAL_KEYS = ("upstream", "source", "supported_parameters_sets")


@dataclass(frozen=True)
class CatalogModel:
    id: str
    public: dict[str, Any]
    upstream_family: str
    upstream_model: str
    public_json: bytes = field(repr=False, default=b"")
    prices: TokenPrices = field(repr=False, default_factory=lambda: TokenPrices({}))
    parameters: dict[str, dict[str, Any]] = field(repr=False, default_factory=dict)
    """``supported_parameters`` by name, aliases included."""
    _priced: dict[tuple[tuple[str, Any], ...], TokenPrices] = field(repr=False, default_factory=dict)

    @property
    def option_names(self) -> frozenset[str]:
        """Request options that select a price row (e.g. DeepReasoning's ``anthropic_model``)."""
        return frozenset(k for row in self.public.get("pricing_rows") or () for k in (row.get("conditions") or {}))

    def options(self, body: dict[str, Any]) -> dict[str, Any]:
        """The value of each price-selecting option: the request's, else the model's default. An option
        value no price row covers is 400 ``unpriced_option`` naming it (D-198)."""
        defaults = self.public.get("default_params") or {}
        values = {name: body.get(name, defaults.get(name, (self.parameters.get(name) or {}).get("default")))
                  for name in self.option_names}
        unpriced = unpriced_option(self.public.get("pricing_rows") or [], values)
        if unpriced is not None:
            raise InvalidRequest(f"The model '{self.id}' publishes no price for {unpriced}={values[unpriced]!r}; "
                                 "choose a priced value.", code="unpriced_option", param=unpriced)
        return values

    def prices_for(self, options: dict[str, Any]) -> TokenPrices:
        key = tuple(sorted(options.items()))
        if key not in self._priced:
            self._priced[key] = token_prices(self.public.get("pricing_rows") or [], options)
        return self._priced[key]

    @property
    def message_fee(self) -> Decimal:
        """USD of the model's per-message rows, once per answered chat request (D-197)."""
        return message_fee(self.public.get("pricing_rows") or [])

    @property
    def available(self) -> bool:
        return bool(self.public["available"])


@dataclass(frozen=True)
class Catalog:
    models: dict[str, CatalogModel]
    list_json: bytes
    available_list_json: bytes
    unavailable_list_json: bytes

    def get(self, model_id: str) -> CatalogModel | None:
        return self.models.get(model_id)

    def public_list(self, *, available_only: bool = False) -> list[dict[str, Any]]:
        return [m.public for m in self.models.values() if m.available or not available_only]


def _read_yaml(path: Path) -> dict[str, Any]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        raise TypeError(f"{path}: expected a mapping at the top level")
    return data


def _parameter_sets(path: Path, data: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    sets = dict(data.get("parameter_sets") or {})
    extra = path.with_name("parameter_sets.yaml")
    if extra.exists():
        more = _read_yaml(extra)
        sets.update(more.get("parameter_sets", more))
    return sets


def _public_view(entry: dict[str, Any], sets: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:
    params: dict[str, dict[str, Any]] = {}
    for set_name in entry.get("supported_parameters_sets") or ():
        if set_name not in sets:
            raise ValueError(f"model {entry['id']}: unknown parameter set {set_name!r}")
        for param in sets[set_name]:
            params[param["name"]] = dict(param)
    for param in entry.get("supported_parameters") or ():
        params[param["name"]] = dict(param)
    public = {k: v for k, v in entry.items() if k not in _INTERNAL_KEYS}
    public["object"] = "model"
    public["supported_parameters"] = list(params.values())
    public["available"] = entry.get("api_status") in AVAILABLE_STATUSES
    public.setdefault("default_params", {})
    return public


def _parameters_by_name(params: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    by_name: dict[str, dict[str, Any]] = {}
    for param in params:
        by_name[param["name"]] = param
        for alias in param.get("aliases") or ():
            by_name.setdefault(alias, param)
    return by_name


def _dumps(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()


def load_catalog(path: Path) -> Catalog:
    """Load and expand the catalog at ``path``; pre-encode every public body."""
    data = _read_yaml(path)
    sets = _parameter_sets(path, data)
    models: dict[str, CatalogModel] = {}
    for entry in data["models"]:
        if entry["id"] in models:
            raise ValueError(f"duplicate model id {entry['id']!r}")
        public = _public_view(entry, sets)
        upstream = entry.get("upstream") or {}
        models[entry["id"]] = CatalogModel(
            id=entry["id"],
            public=public,
            upstream_family=upstream.get("family", ""),
            upstream_model=upstream.get("model", entry["id"]),
            public_json=_dumps(public),
            prices=token_prices(public.get("pricing_rows") or []),
            parameters=_parameters_by_name(public["supported_parameters"]),
        )
    everything = [m.public for m in models.values()]
    available = [m.public for m in models.values() if m.available]
    unavailable = [m.public for m in models.values() if not m.available]
    return Catalog(
        models=models,
        list_json=_dumps({"object": "list", "data": everything}),
        available_list_json=_dumps({"object": "list", "data": available}),
        unavailable_list_json=_dumps({"object": "list", "data": unavailable}),
    )
