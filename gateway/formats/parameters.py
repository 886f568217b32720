"""Model-specific request checks from the catalog's ``supported_parameters`` (type, range, enum), shared
by every format: the catalog is the one source of what each model accepts."""

from __future__ import annotations

from typing import Any

from gateway.catalog import CatalogModel
from gateway.errors import InvalidRequest, NotFound, shown
from gateway.ir.reasoning import portable_spec

__all__ = ["GATED", "PORTABLE", "check_parameters", "resolve_model"]

GATED = frozenset({
    "logprobs", "top_logprobs", "tools", "tool_choice", "parallel_tool_calls", "reasoning_effort",
    "enable_thinking", "thinking_budget", "include_reasoning", "reasoning", "thinking", "anthropic_model", "web_search_linkup",
})
"""Controls a model must declare to accept; sent to a model that does not → 400 unsupported_parameter."""

PORTABLE = frozenset({"reasoning", "thinking"})
"""Portable reasoning controls a model takes through its own family controls when it does not list them
(:func:`gateway.ir.reasoning.portable_spec`, D-63)."""

_TYPES: dict[str, tuple[type, ...]] = {
    "string": (str,), "integer": (int,), "number": (int, float), "boolean": (bool,), "array": (list,),
    "object": (dict,),
}


def resolve_model(catalog_get: Any, model_id: Any, endpoint: str | None) -> CatalogModel:
    """The catalog model ``model_id`` names, if it serves ``endpoint``."""
    model: CatalogModel | None = catalog_get(model_id) if isinstance(model_id, str) else None
    if model is None or not model.available:
        raise NotFound(f"The model '{shown(model_id)}' does not exist or is not available.", code="model_not_found",
                       param="model")
    if endpoint is not None and endpoint not in model.public["endpoints"]:
        raise InvalidRequest(
            f"The model '{model.id}' is not served on {endpoint}; it serves {', '.join(model.public['endpoints'])}.",
            code="model_not_supported_on_endpoint", param="model",
        )
    return model


def _type_ok(value: Any, declared: str | list[str]) -> bool:
    names = [declared] if isinstance(declared, str) else declared
    for name in names:
        kinds = _TYPES.get(name, (object,))
        if isinstance(value, kinds) and not (isinstance(value, bool) and name in ("integer", "number")):
            return True
    return False


def check_parameters(model: CatalogModel, body: dict[str, Any], *, skip: frozenset[str] = frozenset()) -> None:
    """400 naming the parameter when a value breaks the model's declared type, range or enum, or when a
    gated control is sent to a model that does not declare it."""
    for name, value in body.items():
        if name in skip or value is None:
            continue
        spec = model.parameters.get(name)
        if spec is None and name in PORTABLE:
            spec = portable_spec(name, model.parameters, bool((model.public.get("capabilities") or {}).get("thinking")))
        if spec is None:
            if name in GATED:
                raise InvalidRequest(f"The model '{model.id}' does not support '{name}'.",
                                     code="unsupported_parameter", param=name)
            continue
        _check_value(model, name, spec, value)
        if isinstance(value, dict) and spec.get("properties") and name in GATED:
            _check_properties(model, name, spec["properties"], value)


def _check_value(model: CatalogModel, name: str, spec: dict[str, Any], value: Any) -> None:
    if "type" in spec and not _type_ok(value, spec["type"]):
        raise InvalidRequest(f"'{name}' must be of type {spec['type']}.", param=name)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        low, high = spec.get("minimum"), spec.get("maximum")
        if (low is not None and value < low) or (high is not None and value > high):
            raise InvalidRequest(f"'{name}' must be between {low} and {high} for '{model.id}'.", param=name)
    allowed = spec.get("enum")
    if allowed and isinstance(value, str) and value not in allowed:
        raise InvalidRequest(f"'{name}' must be one of: {', '.join(map(str, allowed))}.", param=name)


def _check_properties(model: CatalogModel, name: str, properties: dict[str, Any], value: dict[str, Any]) -> None:
    """A gated control's fields against the catalog's: an unlisted field is one the model cannot honour
    (a 400 naming it, D-51), a listed one is held to its type, range and enum."""
    for key, item in value.items():
        where = f"{name}.{key}"
        if key not in properties:
            raise InvalidRequest(f"The model '{model.id}' does not support '{where}'.", code="unsupported_parameter",
                                 param=where)
        if item is not None:
            _check_value(model, where, properties[key], item)
