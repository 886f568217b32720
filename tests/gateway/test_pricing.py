from decimal import Decimal

from gateway.catalog import load_catalog
from gateway.config import Settings
from gateway.ir import Usage

CATALOG = load_catalog(Settings().catalog_path)


def test_tiers_follow_prompt_size() -> None:
    prices = CATALOG.models["qwen3-max"].prices
    beyond_last_tier = prices.cost(Usage(input_tokens=1_000_000, output_tokens=0))
    assert beyond_last_tier == Decimal("2.70")  # past the 256K tier the highest tier's rate applies
    assert prices.cost(Usage(input_tokens=1000, output_tokens=1000)) == Decimal("0.00108") + Decimal("0.00552")
    mid = prices.cost(Usage(input_tokens=100_000, output_tokens=0))
    assert mid == Decimal("0.216")  # 32K-128K tier: $2.16 per 1M


def test_models_without_token_rates_cost_nothing_per_token() -> None:
    image_model = next(m for m in CATALOG.models.values() if m.public["category"] == "image")
    assert image_model.prices.cost(Usage(10, 10)) == 0


def test_billed_rounds_half_to_even_to_nano_usd() -> None:
    """D-195: one rounding point, half to even, 9 decimals."""
    from gateway.money import billed, cost_number

    assert billed(Decimal("0.0000000025")) == Decimal("0.000000002")
    assert billed(Decimal("0.0000000035")) == Decimal("0.000000004")
    assert cost_number(Decimal("2.0000000001")) == 2


def test_unpriced_pairing_is_refused_and_nova_cache_discount_applies() -> None:
    """D-198: a DeepReasoning pairing without a row is 400 unpriced_option; D-196: Nova's 44% off cached tokens;
    D-197: a per-message row once per answer."""
    import pytest

    from gateway.catalog import load_catalog
    from gateway.errors import InvalidRequest
    from gateway.ir import Usage
    from gateway.resources import catalog_file

    catalog = load_catalog(catalog_file())
    deep = catalog.models["deepreasoning"]
    with pytest.raises(InvalidRequest) as caught:
        deep.options({"anthropic_model": "claude-3-7-sonnet-20250219"})
    assert (caught.value.code, caught.value.param) == ("unpriced_option", "anthropic_model")
    nova = catalog.models["nova-lite-2"]
    prices = nova.prices_for({})
    plain = prices.cost(Usage(input_tokens=1000))
    assert prices.cost(Usage(input_tokens=1000, cached_tokens=1000)) == plain * Decimal("0.56")
    assert catalog.models["gemma-3-27b"].message_fee == Decimal("0.0040")
