"""Checks on the model catalog beyond its schema."""

from __future__ import annotations

from typing import Any

from suites.checks import CheckFailure, fail
from suites.rules import register, register_all

__all__ = ["model_list"]

register_all("docs:list-models#openapi-specification", {
    "model_list_shape": "GET /v1/models answers {object: list, data: [...]}",
    "model_ids_unique": "no two models share an id",
})
register("model_priced", "docs:api-reference-overview#models-as-the-source-of-truth",
         "every model returns pricing_rows[]")
register("model_available_flag", "decision:D-5", "available is true exactly when api_status is platform or both")


def model_list(body: Any) -> list[dict[str, Any]]:
    """A model list: ``object: list``, models with unique ids, each priced and available-flagged consistently."""
    if not isinstance(body, dict) or body.get("object") != "list" or not isinstance(body.get("data"), list):
        raise CheckFailure("model_list_shape", f"expected {{object: list, data: [...]}}, got keys {sorted(body)[:10]}")
    models: list[dict[str, Any]] = body["data"]
    ids = [m.get("id") for m in models]
    duplicates = sorted({str(i) for i in ids if ids.count(i) > 1})
    if duplicates:
        raise CheckFailure("model_ids_unique", f"duplicate ids: {duplicates}")
    unpriced = [m.get("id") for m in models if not m.get("pricing_rows")]
    if unpriced:
        raise CheckFailure("model_priced", f"models without pricing_rows: {unpriced[:10]}")
    inconsistent = [m["id"] for m in models if m.get("available") != (m.get("api_status") in ("platform", "both"))]
    if inconsistent:
        fail("model_available_flag", f"available disagrees with api_status: {inconsistent[:10]}")
    return models
