from decimal import Decimal

from gateway.catalog import load_catalog
from gateway.config import Settings
from gateway.ir import Usage

CATALOG = load_catalog(Settings().catalog_path)


def test_pairing_selects_its_price_rows() -> None:
    model = CATALOG.models["deepreasoning"]
    assert model.option_names == {"anthropic_model", "web_search_linkup"} or "anthropic_model" in model.option_names
    default = model.options({})
    assert default["anthropic_model"] == "claude-sonnet-4-5-20250929"
    usage = Usage(input_tokens=1000, output_tokens=1000)
    assert model.prices_for(default).cost(usage) == Decimal("0.012") + Decimal("0.058")
    opus = model.options({"anthropic_model": "claude-opus-4-1-20250805"})
    assert model.prices_for(opus).cost(usage) == Decimal("0.053") + Decimal("0.26")
