"""The suite checks that catch each defect of the responses codec (``gateway/testing/codecs_responses.py``)."""

from __future__ import annotations

CAUGHT_BY: dict[str, tuple[str, ...]] = {}
