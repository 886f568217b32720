"""The suite checks that catch each defect of ``/v1/images/generations`` (``gateway/testing/images.py``)."""

from __future__ import annotations

_SUITE = "suites/test_images.py::"

CAUGHT_BY: dict[str, tuple[str, ...]] = {
    "images_wrong_size": (f"{_SUITE}test_images_are_pngs_of_the_asked_size",),
    "images_wrong_price_row": (f"{_SUITE}test_cost_is_the_selected_price_row",),
}
