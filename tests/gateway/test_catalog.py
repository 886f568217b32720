"""The catalog fixture as the gateway serves it: expanded, internal fields removed, valid per the spec."""

from gateway.catalog import AVAILABLE_STATUSES, load_catalog
from gateway.config import FAMILIES, Settings
from suites.contract import load_contract

COMPOSITE_FAMILIES = {"deepreasoning"}


def test_every_model_conforms_to_the_spec() -> None:
    catalog = load_catalog(Settings().catalog_path)
    contract = load_contract()
    problems = {m.id: contract.schema_errors("#/components/schemas/Model", m.public) for m in catalog.models.values()}
    assert not {k: v for k, v in problems.items() if v}
    assert not contract.schema_errors("#/components/schemas/ModelList", {"object": "list", "data": catalog.public_list()})


def test_internal_routing_is_never_public() -> None:
    catalog = load_catalog(Settings().catalog_path)
    for model in catalog.models.values():
        assert not {"upstream", "source", "supported_parameters_sets"} & set(model.public)
        assert model.upstream_family in set(FAMILIES) | COMPOSITE_FAMILIES, model.id


def test_available_follows_api_status() -> None:
    catalog = load_catalog(Settings().catalog_path)
    for model in catalog.models.values():
        assert model.available == (model.public["api_status"] in AVAILABLE_STATUSES)
    assert len(catalog.public_list(available_only=True)) < len(catalog.public_list()) or all(
        m.available for m in catalog.models.values()
    )


def test_parameter_sets_expand_with_model_overrides() -> None:
    catalog = load_catalog(Settings().catalog_path)
    v4 = catalog.get("deepseek-v4-pro")
    assert v4 is not None
    names = [p["name"] for p in v4.public["supported_parameters"]]
    assert len(names) == len(set(names))
    assert {"enable_thinking", "thinking_budget", "reasoning_effort"} <= set(names)
