"""D-108: the per-image row quality and size select, from the catalog."""

from __future__ import annotations

from decimal import Decimal

from gateway.catalog import load_catalog
from gateway.formats.openai_images import price_of
from gateway.media.png import png_size
from gateway.resources import catalog_file
from mocks.images import png


def test_rows_selected_by_quality_and_size() -> None:
    catalog = load_catalog(catalog_file())
    nova, qwen, hunyuan = (catalog.get(m) for m in ("amazon-nova-canvas", "qwen-image-2-0", "hunyuan-image-3"))
    assert nova is not None and qwen is not None and hunyuan is not None
    assert price_of(nova, "standard", "1024x1024").per_image == Decimal("0.12")
    assert price_of(nova, "premium", "1024x1024").per_image == Decimal("0.18")
    assert price_of(nova, "standard", "1500x1000").per_image == Decimal("0.18")
    assert price_of(nova, "premium", "2048x2048").per_image == Decimal("0.24")
    assert price_of(qwen, "pro", "1024x1024").per_image == Decimal("0.069")
    assert price_of(qwen, "standard", "1024x1024").per_image == Decimal("0.0322")
    assert price_of(hunyuan, None, "512x512").per_image == Decimal("0.13")


def test_png_size_reads_whole_pngs_only() -> None:
    data = png(64, 48, "k")
    assert png_size(data) == (64, 48)
    for broken in (data[: len(data) // 2], data[:-1], b"GIF89a" + data[6:]):
        try:
            png_size(broken)
        except ValueError:
            continue
        raise AssertionError("a broken PNG was read")
