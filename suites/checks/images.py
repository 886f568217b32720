"""Checks of ``POST /v1/images/generations`` (D-9, D-107, D-108): the images are PNGs of the asked size, the
hosted URL serves the same bytes as ``b64_json``, and ``usage.cost`` is the price row the request selects.
"""

from __future__ import annotations

import struct

from suites.checks import cut, expect
from suites.rules import register

__all__ = ["PNG_SIZE", "PRICE_ROW", "png_size"]

PNG_SIZE = "images_png_of_size"
PRICE_ROW = "images_price_row"

register(PNG_SIZE, "decision:D-107",
         "every image is a PNG of exactly the asked size, served at its hosted url (the same bytes as b64_json)")
register(PRICE_ROW, "decision:D-108",
         "usage.cost is the rate of the per-image row the request's quality and size select, times the images")


def png_size(data: bytes, rule: str = PNG_SIZE) -> tuple[int, int]:
    """(width, height) from the PNG's IHDR, failing ``rule`` when ``data`` is not a PNG."""
    ok = data.startswith(b"\x89PNG\r\n\x1a\n") and data[12:16] == b"IHDR" and len(data) >= 24
    expect(rule, ok, "a PNG (signature, IHDR first)", cut(data[:32]))
    width, height = struct.unpack(">II", data[16:24])
    return int(width), int(height)
