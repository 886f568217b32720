"""Transitional: the checks of the defects still declared in ``gateway/defects.py`` (until it goes)."""

from __future__ import annotations

from gateway.defects import DEFECTS

CAUGHT_BY: dict[str, tuple[str, ...]] = {d.name: d.caught_by for d in DEFECTS.values()}
