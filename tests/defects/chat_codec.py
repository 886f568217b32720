"""The suite checks that catch each defect of the chat codec (``gateway/testing/codecs_chat.py``)."""

from __future__ import annotations

CAUGHT_BY: dict[str, tuple[str, ...]] = {}
