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
