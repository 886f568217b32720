"""The suite checks that catch each defect of signed media URLs (``gateway/testing/media_urls.py``)."""

from __future__ import annotations

CAUGHT_BY: dict[str, tuple[str, ...]] = {
    "media_signature_unchecked": ("suites/test_media.py::test_signed_url_serves_and_refuses_tampering",),
}
