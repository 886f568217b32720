"""Values a model's catalog ``supported_parameters`` rule out: for each listed enum a value outside it, for
each listed range a value past it (the suites' parameter-validation checks build their cases from these)."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

__all__ = ["UNLISTED", "refused_values"]

UNLISTED = "zz-not-a-listed-value"


def refused_values(model: dict[str, Any], skip: Collection[str] = ()) -> list[tuple[str, Any]]:
    """``(name, value)`` pairs the catalog of ``model`` refuses, one per bound (``skip`` names left out)."""
    out: list[tuple[str, Any]] = []
    for entry in model.get("supported_parameters") or ():
        name = entry.get("name") if isinstance(entry, dict) else None
        if not isinstance(name, str) or name in skip:
            continue
        enum = entry.get("enum")
        if isinstance(enum, list) and enum:
            out.append((name, UNLISTED if all(isinstance(v, str) for v in enum) else
                        max(v for v in enum if isinstance(v, (int, float))) + 1))
            continue
        maximum, minimum = entry.get("maximum"), entry.get("minimum")
        if isinstance(maximum, (int, float)) and not isinstance(maximum, bool):
            out.append((name, maximum + 1))
        if isinstance(minimum, (int, float)) and not isinstance(minimum, bool):
            out.append((name, minimum - 1))
    return out
