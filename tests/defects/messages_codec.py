"""The suite checks that catch each defect of the messages codec (``gateway/testing/codecs_messages.py``)."""

from __future__ import annotations

CAUGHT_BY: dict[str, tuple[str, ...]] = {}
