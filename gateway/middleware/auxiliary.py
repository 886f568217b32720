"""Which requests count against an account's auxiliary budget (D-3, D-136): the spec's
``x-empiriolabs-limits.auxiliary_operations`` (catalog reads, job polls, uploads, stored-Responses reads),
matched by method and path template; and the budget, the generation budget scaled by the spec's
``auxiliary_requests_per_minute / requests_per_minute`` (600 for the default 50).
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import yaml

from gateway.limits.base import AUXILIARY_SUFFIX
from gateway.schemas import SPEC_PATH

__all__ = ["AUXILIARY_SUFFIX", "auxiliary", "auxiliary_rpm"]


@lru_cache(maxsize=1)
def _read(path: Path) -> tuple[tuple[tuple[str, re.Pattern[str]], ...], int]:
    spec = yaml.safe_load(path.read_text(encoding="utf-8"))
    limits = spec.get("x-empiriolabs-limits") or {}
    names = set(limits.get("auxiliary_operations") or ())
    found = []
    for template, item in spec["paths"].items():
        for method, op in item.items():
            if isinstance(op, dict) and op.get("operationId") in names:
                pattern = re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(template))
                found.append((method.upper(), re.compile(f"^{pattern}$")))
    factor = int(limits.get("auxiliary_requests_per_minute", 600)) // max(1, int(limits.get("requests_per_minute", 50)))
    return tuple(found), max(1, factor)


def auxiliary(method: str, path: str, spec: Path = SPEC_PATH) -> bool:
    """Whether ``method path`` is an auxiliary operation of the spec."""
    return any(m == method and p.match(path) for m, p in _read(spec)[0])


def auxiliary_rpm(rpm: int, spec: Path = SPEC_PATH) -> int:
    """The auxiliary budget of an account whose generation budget is ``rpm`` requests per minute."""
    return rpm * _read(spec)[1]
