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


def test_stage_costs_are_billed_each_and_sum_to_the_cost() -> None:
    """D-198: cost_details per stage, each rounded to the nano-USD, summing to cost."""
    from gateway.ir import ChatRequest, Message

    model = CATALOG.models["deepreasoning"]
    request = ChatRequest(model=model, messages=[Message("user", "q")], options=model.options({}))
    first, second = Usage(input_tokens=10, output_tokens=333), Usage(input_tokens=12, output_tokens=7)
    usage = Usage(input_tokens=22, output_tokens=340, reasoning_tokens=333,
                  stages=(("reasoning", first), ("synthesis", second)))
    details = request.cost_details(usage)
    assert details is not None and set(details) == {"reasoning", "synthesis"}
    assert details["reasoning"] == Decimal("0.000012") * 10 + Decimal("0.000058") * 333
    assert request.cost(usage) == sum(details.values())
