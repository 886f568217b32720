"""Portable reasoning controls across formats (D-63): a control a model cannot honour is a 400 naming it.

A reasoning budget — ``reasoning: {max_tokens}`` on chat completions and Responses, ``thinking:
{type: enabled, budget_tokens}`` on Messages — sent to a model that reasons but lists no budget control
(no ``thinking_budget``, ``reasoning.max_tokens`` or ``thinking.budget_tokens`` in its
``supported_parameters``) is refused by the gateway, naming the nested field, and never reaches an
upstream. The same portable controls on a model that lists the family equivalent (``thinking_budget``)
are accepted. Models come from the catalog.
"""

from __future__ import annotations

from typing import Any

import pytest

from suites.checks import holds
from suites.client import ApiClient
from suites.contract import Contract
from suites.discovery import Discovery, param, param_names
from suites.drivers import DRIVERS, Driver, Model, run
from suites.rules import register
from suites.selection import Failures
from suites.upstreams import not_forwarded

register("unhonourable_control_400", "decision:D-63",
         "a nested reasoning control the model cannot honour (a budget on a model that lists no budget control) "
         "is a 400 naming the nested field (reasoning.max_tokens, thinking.budget_tokens), not dropped silently")
register("portable_budget_accepted", "decision:D-63",
         "the portable budget controls (reasoning.max_tokens, thinking.budget_tokens) are accepted on a model that "
         "lists its family's budget control (thinking_budget)")

FORMATS = pytest.mark.parametrize("driver", [pytest.param(d, id=name) for name, d in DRIVERS.items()])
BUDGET = 2048
FIELD = {"chat": "reasoning.max_tokens", "responses": "reasoning.max_tokens", "messages": "thinking.budget_tokens"}


def _budget_fields(driver: Driver) -> dict[str, Any]:
    if driver.name == "messages":
        return {"thinking": {"type": "enabled", "budget_tokens": BUDGET}, "max_tokens": 2 * BUDGET}
    return {"reasoning": {"max_tokens": BUDGET}}


def _takes_budget(model: Model) -> bool:
    nested = ((param(model, "reasoning") or {}).get("properties") or {}, (param(model, "thinking") or {}).get(
        "properties") or {})
    return "thinking_budget" in param_names(model) or "max_tokens" in nested[0] or "budget_tokens" in nested[1]


def _reasoners(driver: Driver, discovery: Discovery, api: ApiClient, *, budget: bool) -> list[Model]:
    found = [m for m in driver.models(discovery) if (m.get("capabilities") or {}).get("thinking")
             and _takes_budget(m) == budget and driver.served(api, m)]
    if not found:
        pytest.skip(f"no reasoning model on {driver.endpoint} {'with' if budget else 'without'} a budget control")
    by_owner: dict[str, Model] = {}
    native = {"chat": "reasoning", "responses": "reasoning", "messages": "thinking"}[driver.name]
    for model in sorted(found, key=lambda m: (native in param_names(m), m["id"])):  # family controls first
        by_owner.setdefault(str(model.get("owned_by")), model)
    return [by_owner[k] for k in sorted(by_owner)][:3]


@FORMATS
@pytest.mark.rule("unhonourable_control_400", "rejected_by_gateway")
def test_budget_a_model_cannot_take_is_400(api: ApiClient, contract: Contract, discovery: Discovery,
                                           driver: Driver) -> None:
    failures = Failures()
    for model in _reasoners(driver, discovery, api, budget=False):
        with failures.check(str(model["id"])):
            response = driver.create(api, {**driver.body(model), **_budget_fields(driver)})
            holds("unhonourable_control_400", response.status_code == 400,
                  f"{FIELD[driver.name]} on {model['id']} (no budget control listed): expected 400, got "
                  f"{response.status_code} {response.text[:200]!r}")
            error = driver.error(response, contract, status=400)
            named = error.param if error.param is not None else error.message
            holds("unhonourable_control_400", FIELD[driver.name] in str(named),
                  f"the error names {FIELD[driver.name]!r}: param {error.param!r}, message {error.message!r:.200}")
            not_forwarded(response, f"{FIELD[driver.name]} the model cannot honour")
    failures.raise_any()


@FORMATS
@pytest.mark.rule("portable_budget_accepted")
def test_portable_budget_on_a_model_with_a_budget_control(api: ApiClient, discovery: Discovery, driver: Driver) -> None:
    failures = Failures()
    for model in _reasoners(driver, discovery, api, budget=True):
        with failures.check(str(model["id"])):
            answer = run(driver, api, {**driver.body(model), **_budget_fields(driver)}, stream=False)
            holds("portable_budget_accepted", bool(answer.reasoning.strip()),
                  f"{FIELD[driver.name]} on {model['id']}: the answer shows reasoning")
    failures.raise_any()
