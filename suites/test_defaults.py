"""A model's documented ``default_params`` are what it uses (D-61), on every format.

The models are those whose ``/v1/models`` entry lists ``default_params`` (found by discovery, never
named here). A request that leaves a defaulted setting out must reach the upstream with the documented
value; one that sets it, with its own. What reached the upstream is read from the mocks' request logs
(``GET /__mock__/requests``), found by a marker in the prompt, so these checks need the mocks' URLs (the
self-launched reference has them; otherwise ``--mock-control``). The Responses object's
``temperature`` / ``top_p`` / ``max_output_tokens`` must be the values the upstream got; a model whose
defaults switch reasoning on reasons when the request sets no reasoning control.
"""

from __future__ import annotations

import secrets
from typing import Any

import pytest

from suites.checks import CheckFailure, holds
from suites.checks import responses as responses_checks
from suites.client import ApiClient
from suites.discovery import Discovery
from suites.drivers import DRIVERS, Answer, Driver, Model, run
from suites.recorder import Recorder
from suites.rules import register
from suites.selection import Failures
from suites.upstreams import UpstreamLog

register("default_params_applied", "decision:D-61",
         "a setting of a model's default_params (temperature, top_p, the output limit) that the request leaves "
         "out reaches the upstream with the documented value; one the request sets reaches it as set")
register("default_params_echoed", "decision:D-61",
         "the Response object's temperature, top_p and max_output_tokens are the values the upstream got, the "
         "model's documented defaults included")
register("default_reasoning_applied", "decision:D-61",
         "a model whose default_params switch reasoning on (enable_thinking: true) reasons when the request "
         "sets no reasoning control")

FORMATS = pytest.mark.parametrize("driver", [pytest.param(d, id=name) for name, d in DRIVERS.items()])
STREAM = pytest.mark.parametrize("stream", [False, True], ids=["non-stream", "stream"])
SAMPLING = ("temperature", "top_p")
LIMITS = ("max_tokens", "max_completion_tokens", "max_output_tokens")
"""The names an output limit goes by: in ``default_params``, in a request, on an upstream's wire."""
GIVEN: dict[str, Any] = {"temperature": 0.3, "top_p": 0.5, "limit": 321}


def _limit(fields: dict[str, Any]) -> Any:
    return next((fields[name] for name in LIMITS if fields.get(name) is not None), None)


def _defaulted(fields: dict[str, Any]) -> dict[str, Any]:
    """The defaulted settings these checks follow, by their neutral names (``limit`` for the output limit)."""
    out = {name: fields[name] for name in SAMPLING if isinstance(fields.get(name), int | float)}
    if isinstance(_limit(fields), int):
        out["limit"] = _limit(fields)
    return out


def _models(driver: Driver, discovery: Discovery, api: ApiClient) -> list[Model]:
    """One served model per provider among those whose entry lists defaulted settings."""
    chosen: dict[str, Model] = {}
    for model in driver.models(discovery):
        if _defaulted(model.get("default_params") or {}) and driver.served(api, model):
            chosen.setdefault(str(model.get("owned_by")), model)
    if not chosen:
        pytest.skip(f"no model on {driver.endpoint} lists default_params for temperature, top_p or max_tokens")
    return [chosen[k] for k in sorted(chosen)]


def _log(recorder: Recorder) -> UpstreamLog:
    log = recorder.upstreams
    if not log:
        pytest.skip("the mocks' request logs are unknown (--mock-control): what reached the upstream cannot be seen")
    return log  # type: ignore[no-any-return]


def _sent(log: UpstreamLog, marker: str) -> dict[str, Any]:
    """The body of the last upstream request carrying ``marker`` (the one that answered)."""
    bodies = log.carrying(marker)
    if not bodies:
        raise CheckFailure("default_params_applied", f"no upstream request carried the prompt marker {marker}")
    return bodies[-1]


def _same(a: Any, b: Any) -> bool:
    return isinstance(a, int | float) and isinstance(b, int | float) and abs(float(a) - float(b)) < 1e-9


def _echoed(answer: Answer) -> dict[str, Any]:
    response = answer.raw if not answer.streamed else responses_checks.final_matches_events(answer.raw.payloads)
    return {"temperature": response.get("temperature"), "top_p": response.get("top_p"),
            "limit": response.get("max_output_tokens")}


def _got(upstream: dict[str, Any]) -> dict[str, Any]:
    return {"temperature": upstream.get("temperature"), "top_p": upstream.get("top_p"), "limit": _limit(upstream)}


def _check(name: str, expected: dict[str, Any], upstream: dict[str, Any], label: str, said: str = "expected") -> None:
    got = _got(upstream)
    for key, value in expected.items():
        holds(name, _same(got[key], value), f"{label}: {key} reached the upstream as {got[key]!r}, {said} {value!r}")


@FORMATS
@STREAM
@pytest.mark.rule("default_params_applied", "default_params_echoed")
def test_default_params_reach_the_upstream(api: ApiClient, discovery: Discovery, recorder: Recorder, driver: Driver,
                                           stream: bool) -> None:
    log = _log(recorder)
    failures = Failures()
    for model in _models(driver, discovery, api):
        defaults = _defaulted(model["default_params"])
        for case in ("omitted", "given"):
            with failures.check(f"{model['id']} {case}"):
                marker = f"ref-{secrets.token_hex(6)}"
                body = driver.body(model, f"Say hello in one short sentence. ({marker})", stream=stream)
                sent = _defaulted(body)
                if case == "given":
                    body.update({k: v for k, v in GIVEN.items() if k != "limit"})
                    body[_limit_name(driver, body)] = GIVEN["limit"]
                    expected = {**GIVEN}
                else:
                    expected = {k: v for k, v in defaults.items() if k not in sent} | sent
                answer = run(driver, api, body, stream=stream)
                upstream = _sent(log, marker)
                _check("default_params_applied", expected, upstream, f"{model['id']} {case}")
                if driver.name == "responses":
                    echoed = {k: v for k, v in _echoed(answer).items() if _got(upstream)[k] is not None}
                    _check("default_params_echoed", echoed, upstream, f"{model['id']} {case}", "the Response echoes")
    failures.raise_any()


def _limit_name(driver: Driver, body: dict[str, Any]) -> str:
    return next((name for name in LIMITS if name in body), getattr(driver, "max_tokens_field", "max_tokens"))


@FORMATS
@pytest.mark.rule("default_reasoning_applied")
def test_default_reasoning_is_on(api: ApiClient, discovery: Discovery, driver: Driver) -> None:
    found = [m for m in driver.models(discovery) if (m.get("default_params") or {}).get("enable_thinking") is True
             and driver.served(api, m)]
    if not found:
        pytest.skip(f"no model on {driver.endpoint} lists default_params enable_thinking: true")
    failures = Failures()
    for model in found[:2]:
        with failures.check(str(model["id"])):
            answer = run(driver, api, driver.body(model, "Is 17 a prime number? Answer briefly."), stream=False)
            holds("default_reasoning_applied", bool(answer.reasoning.strip()),
                  f"{model['id']}: no reasoning control sent, default enable_thinking true: the answer shows no "
                  "reasoning")
    failures.raise_any()
