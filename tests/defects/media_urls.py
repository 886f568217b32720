"""The suite checks that catch each defect of signed media URLs (``gateway/testing/media_urls.py``)."""

from __future__ import annotations

_SUITE = "suites/test_media.py::"

CAUGHT_BY: dict[str, tuple[str, ...]] = {
    "media_signature_unchecked": (f"{_SUITE}test_signed_url_serves_and_refuses_tampering",),
    "media_url_expiry_unchecked": (f"{_SUITE}test_a_signed_url_serves_for_seven_days_then_403",),
    "media_url_lifetime_short": (f"{_SUITE}test_a_signed_url_serves_for_seven_days_then_403",),
    "media_expiry_before_existence": (f"{_SUITE}test_an_object_is_deleted_after_thirty_days",),
    "media_not_swept": (f"{_SUITE}test_an_object_is_deleted_after_thirty_days",),
    "media_swept_500": (f"{_SUITE}test_an_object_is_deleted_after_thirty_days",),
}
