"""Media parts as the real upstreams check them, and the acknowledgement the mocks log for each (D-60).

:func:`check_url` and :func:`check_base64` raise :class:`~mocks.provider.ApiError` (400) for what the real
APIs refuse — a URL that is neither ``http(s)`` nor a base64 data URL, invalid base64, a media type not of
the part's kind — and return the entry logged under ``media`` in ``GET /__mock__/requests``:
``{kind, source, media_type, where}``.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Callable
from typing import Any

from mocks.provider import ApiError

__all__ = ["Bad", "check_base64", "check_url"]

Bad = Callable[[str, str], ApiError]
"""Builds the family's 400 from (message, where)."""
_DATA_URL = re.compile(r"^data:(?P<type>[a-z0-9.+-]+/[a-z0-9.+-]+)(?:;[^;,]*)*;base64,(?P<data>.*)$",
                       re.IGNORECASE | re.DOTALL)


def _ack(kind: str, source: str, media_type: str | None, where: str) -> dict[str, Any]:
    return {"kind": kind, "source": source, "media_type": media_type, "where": where}


def check_base64(kind: str, data: Any, media_type: Any, where: str, bad: Bad) -> dict[str, Any]:
    """Base64 ``data`` of ``media_type`` for a ``kind`` part."""
    if not isinstance(data, str) or not data.strip():
        raise bad(f"Invalid '{where}': the {kind} data is empty.", where)
    try:
        base64.b64decode("".join(data.split()), validate=True)
    except (binascii.Error, ValueError):
        raise bad(f"Invalid '{where}': the {kind} data is not valid base64.", where) from None
    if not isinstance(media_type, str) or (kind != "file" and not media_type.lower().startswith(f"{kind}/")):
        raise bad(f"Invalid '{where}': {media_type!r} is not a valid {kind} media type.", where)
    return _ack(kind, "data", media_type.lower(), where)


def check_url(kind: str, url: Any, where: str, bad: Bad) -> dict[str, Any]:
    """A ``kind`` part given by URL: ``http(s)`` or a base64 data URL of the part's kind."""
    if not isinstance(url, str):
        raise bad(f"Missing required parameter: '{where}'.", where)
    if url[:5].lower() == "data:":
        match = _DATA_URL.match(url)
        if match is None:
            raise bad(f"Invalid '{where}': expected a base64-encoded data URL.", where)
        return check_base64(kind, match["data"], match["type"], where, bad)
    if not re.match(r"^https?://[^\s/]+", url, re.IGNORECASE):
        raise bad(f"Invalid '{where}': expected a URL (http or https) or a base64-encoded data URL.", where)
    return _ack(kind, "url", None, where)
