"""Rules that hold for every wire format, written once and run with each format's driver (ids ``chat``,
``messages``, ``responses``): valid tool calls, parallel calls, tool round trips, usage that adds up, no
reasoning unless asked, unknown models and missing keys in the format's own envelope, and no upstream leaks in
any answer.

Each check runs on the models the format's driver chooses from the deployment's catalog (one per
provider where the rule is about providers); upstream faults are injected with the mocks'
``[[mock:...]]`` directives, so those checks need ``--mock-upstreams``.
"""

from __future__ import annotations

import secrets
import time
from typing import Any

import pytest

from suites import tools
from suites.checks import formats, holds
from suites.checks.chat import no_leaks
from suites.client import ApiClient
from suites.contract import Contract
from suites.discovery import Discovery, param_names
from suites.drivers import DRIVERS, Driver, run, switchable_reasoners
from suites.plugin import Target
from suites.selection import Failures
from suites.tools import ASK, PARALLEL
from suites.upstreams import not_forwarded

FORMATS = pytest.mark.parametrize("driver", [pytest.param(d, id=name) for name, d in DRIVERS.items()])
TIMESTAMPED = pytest.mark.parametrize("driver", [pytest.param(d, id=name) for name, d in DRIVERS.items()
                                                if d.timestamped])
PORTABLE = pytest.mark.parametrize("driver", [pytest.param(DRIVERS[n], id=n) for n in ("chat", "responses")])
EFFORT: dict[str, dict[str, Any]] = {"chat": {"reasoning_effort": "low"}, "responses": {"reasoning": {"effort": "low"}}}
"""Each format's portable effort control (D-51)."""
STREAM = pytest.mark.parametrize("stream", [False, True], ids=["non-stream", "stream"])
RESULT = "Sunny, 21 degrees"
QUESTION = "Is 17 a prime number? Answer briefly."
TOOL_RULES = ("tool_calls_name_defined_tools", "tool_call_ids_distinct", "tool_call_arguments_json_object",
              "tool_call_arguments_match_schema", "tool_calls_finish_reason")


def _label(model: dict[str, Any]) -> str:
    return f"{model.get('owned_by')}/{model['id']}"


@pytest.mark.rule(*TOOL_RULES)
@STREAM
@FORMATS
def test_tool_calls_are_valid(api: ApiClient, discovery: Discovery, driver: Driver, stream: bool) -> None:
    failures = Failures()
    for model in driver.tool_models(discovery, api):
        with failures.check(_label(model)):
            body = driver.body(model, ASK, tools=[tools.WEATHER], tool_choice="required", stream=stream)
            answer = run(driver, api, body, stream=stream)
            formats.tool_calls_valid(answer.calls, [tools.WEATHER])
            formats.tool_calls_finish(answer)
    failures.raise_any()


@pytest.mark.rule("parallel_tool_calls_separate", *TOOL_RULES)
@STREAM
@FORMATS
def test_parallel_tool_calls_stay_separate(api: ApiClient, discovery: Discovery, target: Target, driver: Driver,
                                           stream: bool) -> None:
    both = [tools.WEATHER, tools.TIME]
    failures = Failures()
    for model in driver.tool_models(discovery, api):
        with failures.check(_label(model)):
            answer = run(driver, api, driver.body(model, PARALLEL, tools=both, tool_choice="required", stream=stream),
                         stream=stream)
            formats.tool_calls_valid(answer.calls, both)
            formats.tool_calls_finish(answer)
            formats.parallel_calls_separate(answer.calls, both, exact=target.mock_upstreams)
    failures.raise_any()


@pytest.mark.rule("tool_round_trip", *TOOL_RULES)
@STREAM
@FORMATS
def test_tool_round_trip(api: ApiClient, discovery: Discovery, target: Target, driver: Driver, stream: bool) -> None:
    """The calls of a first answer go back with their results, in the format's own shape, under the ids
    the answer gave them; the model then answers in text (quoting the results, on the mocks)."""
    failures = Failures()
    for model in driver.tool_models(discovery, api):
        with failures.check(_label(model)):
            first = run(driver, api, driver.body(model, ASK, tools=[tools.WEATHER], tool_choice="required"),
                        stream=False)
            formats.tool_calls_valid(first.calls, [tools.WEATHER])
            results = [RESULT] * len(first.calls)
            body = driver.round_trip(driver.body(model, ASK, tools=[tools.WEATHER], stream=stream), first.calls, results)
            formats.round_trip_answered(run(driver, api, body, stream=stream), results, quoted=target.mock_upstreams)
    failures.raise_any()


@pytest.mark.rule("listed_tool_models_accept_tools", *TOOL_RULES)
@FORMATS
def test_listed_tool_models_accept_tools(api: ApiClient, discovery: Discovery, driver: Driver) -> None:
    """Every served model the catalog lists with tool calling (all chat models but those whose page says
    otherwise, D-49), not one per provider: ``tools`` with a required call is a 200 carrying valid calls
    on the format. One non-stream request per model."""
    listed = [m for m in driver.models(discovery) if discovery.calls_tools(m, driver.endpoint)]
    if not listed:
        pytest.skip(discovery.lacks_field("tool-capable model", "capabilities.tool_calling + tools"))
    failures = Failures()
    for model in listed:
        if not driver.served(api, model):
            continue
        with failures.check(_label(model)):
            body = driver.body(model, ASK, tools=[tools.WEATHER], tool_choice="required")
            response = driver.create(api, body)
            holds("listed_tool_models_accept_tools", response.status_code == 200,
                  f"{driver.endpoint}: {model['id']} lists tool calling but answered tools with "
                  f"{response.status_code} {response.text[:300]!r}")
            answer = driver.answer(response)
            holds("listed_tool_models_accept_tools", bool(answer.calls),
                  f"{driver.endpoint}: {model['id']}: no tool call though one was required")
            formats.tool_calls_valid(answer.calls, [tools.WEATHER])
    failures.raise_any()


@pytest.mark.rule("tool_choice_free_without_tools")
@STREAM
@FORMATS
def test_tool_choice_auto_and_none_need_no_tools(api: ApiClient, discovery: Discovery, driver: Driver,
                                                 stream: bool) -> None:
    """``auto`` (the default) and ``none`` in the format's own ``tool_choice`` shape, with no ``tools``: a
    plain answer, never a 400 (D-42)."""
    model = driver.plain_model(discovery, api)
    failures = Failures()
    for choice in ("auto", "none"):
        with failures.check(f"{_label(model)} tool_choice {choice}"):
            body = driver.body(model, tool_choice=choice, stream=stream)
            if stream:
                result = driver.stream(api, body)
                holds("tool_choice_free_without_tools", result.status == 200,
                      f"{driver.endpoint}: tool_choice {choice} without tools: {result.status} {result.body[:300]!r}")
                driver.grammar(result)
                answer = driver.streamed(result)
            else:
                response = driver.create(api, body)
                holds("tool_choice_free_without_tools", response.status_code == 200,
                      f"{driver.endpoint}: tool_choice {choice} without tools: {response.status_code} "
                      f"{response.text[:300]!r}")
                answer = driver.answer(response)
            holds("tool_choice_free_without_tools", not answer.calls, f"tool calls without tools: {answer.calls}")
    failures.raise_any()


@pytest.mark.rule("usage_tokens_add_up", "usage_cost_reported")
@STREAM
@FORMATS
def test_usage_adds_up(api: ApiClient, discovery: Discovery, driver: Driver, stream: bool) -> None:
    failures = Failures()
    for model in driver.per_provider(discovery, api):
        with failures.check(_label(model)):
            answer = run(driver, api, driver.body(model, stream=stream), stream=stream)
            formats.usage_adds_up(answer.usage)
            formats.usage_cost(answer.usage, required=driver.cost_always)
    failures.raise_any()


@pytest.mark.rule("created_unix_seconds")
@STREAM
@TIMESTAMPED
def test_created_is_unix_seconds(api: ApiClient, discovery: Discovery, driver: Driver, stream: bool) -> None:
    """A chat completion's ``created`` (on every chunk of a stream) and a Response's ``created_at`` (on
    every event's ``response``) are the time the answer was made, as an integer Unix time in seconds."""
    failures = Failures()
    for model in driver.per_provider(discovery, api):
        with failures.check(_label(model)):
            started = time.time()
            answer = run(driver, api, driver.body(model, stream=stream), stream=stream)
            formats.created_now(answer.created, f"{driver.endpoint} {model['id']}", started=started,
                                finished=time.time())
    failures.raise_any()


@pytest.mark.rule("plain_model_no_reasoning")
@STREAM
@FORMATS
def test_plain_model_shows_no_reasoning(api: ApiClient, discovery: Discovery, driver: Driver, stream: bool) -> None:
    model = driver.plain_model(discovery, api)
    if (model.get("capabilities") or {}).get("thinking"):
        pytest.skip(f"the deployment's catalog lists no {driver.endpoint} model without capabilities.thinking")
    answer = run(driver, api, driver.body(model, QUESTION, stream=stream), stream=stream)
    formats.no_reasoning_from_plain_model(answer, model["id"])


@pytest.mark.rule("reasoning_off_no_reasoning", "reasoning_shown_when_asked")
@STREAM
@FORMATS
def test_reasoning_switched_off_shows_none(api: ApiClient, discovery: Discovery, driver: Driver, stream: bool) -> None:
    """A reasoner whose reasoning the format can switch off — one that reasons by default first (D-48:
    there a dropped off switch shows) —: asked to reason it does (else the check proves nothing), asked
    not to it shows no reasoning at all."""
    candidates = switchable_reasoners(driver.models(discovery), driver.off_controls)
    model = next((m for m in candidates if driver.served(api, m)), None)
    if model is None:
        pytest.skip(f"the deployment's catalog lists no {driver.endpoint} reasoner with a control that switches "
                    "reasoning off (reasoning_effort none, enable_thinking, Anthropic thinking)")
    on = run(driver, api, driver.body(model, QUESTION, reasoning=True, stream=stream), stream=stream)
    formats.reasoning_shown(on, f"{model['id']} with reasoning on")
    off = run(driver, api, driver.body(model, QUESTION, reasoning=False, stream=stream), stream=stream)
    formats.no_reasoning_when_off(off, f"{model['id']} with {driver.off_controls(model)}")


def _extended_thinker(driver: Driver, discovery: Discovery, api: ApiClient) -> dict[str, Any]:
    """A served model with Anthropic extended thinking: it reasons and lists ``thinking``."""
    model = next((m for m in driver.models(discovery) if (m.get("capabilities") or {}).get("thinking")
                  and "thinking" in param_names(m) and driver.served(api, m)), None)
    if model is None:
        pytest.skip(f"the deployment's catalog lists no {driver.endpoint} model with Anthropic thinking")
    return model


@pytest.mark.rule("portable_effort_reasons", "claude_reasoning_tokens")
@STREAM
@PORTABLE
def test_extended_thinker_reasons_from_portable_effort(api: ApiClient, discovery: Discovery, driver: Driver,
                                                        stream: bool) -> None:
    """D-51: a Claude-style model asked through chat ``reasoning_effort`` / Responses ``reasoning.effort``
    reasons, and the reasoning shows where the format puts it."""
    model = _extended_thinker(driver, discovery, api)
    answer = run(driver, api, driver.body(model, QUESTION, stream=stream, **EFFORT[driver.name]), stream=stream)
    where = f"{driver.endpoint} {model['id']} with {EFFORT[driver.name]}"
    formats.portable_control_reasons(answer, "portable_effort_reasons", where)
    formats.reasoning_tokens_counted(answer, "claude_reasoning_tokens", where)


@pytest.mark.rule("chat_thinking_honoured")
@STREAM
def test_chat_thinking_is_honoured(api: ApiClient, discovery: Discovery, stream: bool) -> None:
    """D-51: Anthropic ``thinking`` on chat completions reaches the model: the answer has reasoning_content."""
    driver = DRIVERS["chat"]
    model = _extended_thinker(driver, discovery, api)
    thinking = {"type": "enabled", "budget_tokens": 1024}
    body = driver.body(model, QUESTION, max_tokens=2048, stream=stream, thinking=thinking)
    formats.portable_control_reasons(run(driver, api, body, stream=stream), "chat_thinking_honoured",
                                     f"{driver.endpoint} {model['id']} with thinking {thinking}")


@pytest.mark.rule("unknown_model_404", "openai_error_envelope", "anthropic_error_envelope", "no_upstream_leak")
@STREAM
@FORMATS
def test_unknown_model_is_404_in_the_format_envelope(api: ApiClient, contract: Contract, driver: Driver,
                                                     stream: bool) -> None:
    body = driver.body(f"no-such-model-{secrets.token_hex(4)}", stream=stream)
    response = driver.create(api, body)
    formats.unknown_model_not_found(driver.error(response, contract, status=404), driver.envelope)
    no_leaks(response.content)
    no_leaks(response.headers)


@pytest.mark.rule("unavailable_model_404", "openai_error_envelope", "anthropic_error_envelope", "no_upstream_leak",
                  "rejected_by_gateway")
@STREAM
@FORMATS
def test_unavailable_model_is_404_in_the_format_envelope(api: ApiClient, contract: Contract, discovery: Discovery,
                                                         driver: Driver, stream: bool) -> None:
    """D-15: a model the catalog lists with ``available: false`` is not served on any endpoint: 404 in the
    format's envelope, answered without calling an upstream."""
    unavailable = sorted(m["id"] for m in discovery.models
                         if m.get("available") is False and driver.endpoint in (m.get("endpoints") or ()))
    if not unavailable:
        pytest.skip(discovery.lacks_field(f"{driver.endpoint} model with available: false", "available"))
    failures = Failures()
    for model_id in unavailable[:3]:
        with failures.check(model_id):
            response = driver.create(api, driver.body(model_id, stream=stream))
            formats.unavailable_model_not_found(response, driver.envelope, model_id)
            driver.error(response, contract, status=404)
            not_forwarded(response, f"a request for {model_id} (available: false)")
            no_leaks(response.content)
    failures.raise_any()


@pytest.mark.rule("auth_missing_key", "openai_error_envelope", "anthropic_error_envelope", "no_upstream_leak")
@STREAM
@FORMATS
def test_missing_key_is_401_in_the_format_envelope(api: ApiClient, contract: Contract, discovery: Discovery,
                                                   driver: Driver, stream: bool) -> None:
    response = driver.create(api, driver.body(driver.plain_model(discovery, api), stream=stream), auth="none")
    formats.missing_key_401(driver.error(response, contract, status=401), driver.envelope)
    no_leaks(response.content)
    no_leaks(response.headers)


@pytest.mark.rule("no_upstream_leak")
@STREAM
@FORMATS
def test_no_upstream_leak_in_answers(api: ApiClient, discovery: Discovery, driver: Driver, stream: bool) -> None:
    """Successful answers too: bodies, stream events and headers show nothing of the upstream."""
    failures = Failures()
    for model in driver.per_provider(discovery, api):
        with failures.check(_label(model)):
            answer = run(driver, api, driver.body(model, stream=stream), stream=stream)
            no_leaks(answer.body)
            no_leaks(answer.headers)
    failures.raise_any()


FAULTS = ["status:500", "status:401", "status:429", "status:400", "malformed:1", "cut:1", "midstream:5"]


@pytest.mark.rule("no_upstream_leak", "upstream_failure_status", "openai_error_envelope", "anthropic_error_envelope")
@pytest.mark.parametrize("fault", FAULTS, ids=[f.replace(":", "-") for f in FAULTS])
@FORMATS
def test_no_upstream_leak_in_upstream_errors(api: ApiClient, contract: Contract, discovery: Discovery,
                                             mock_upstreams: bool, driver: Driver, fault: str) -> None:
    """An upstream failure reaches the client in the format's envelope (or, once a stream started, in
    the stream) without the upstream's host, key or request id."""
    failures = Failures()
    prompt = f"[[mock:fault={fault}]] Write a long story about a lighthouse."
    for model in driver.per_provider(discovery, api):
        with failures.check(_label(model)):
            if fault.startswith("midstream"):
                result = driver.stream(api, driver.body(model, prompt, stream=True), require_stream=False)
                no_leaks(result.raw)
                no_leaks(result.headers)
                continue
            response = driver.create(api, driver.body(model, prompt), retry_429=False)
            formats.upstream_failure_status(response, fault)
            driver.error(response, contract, status=response.status_code)
            no_leaks(response.content)
            no_leaks(response.headers)
    failures.raise_any()


HANG_SECONDS = 10
"""How long the upstream stays silent; a deployment whose upstream read timeout is longer answers 200."""


@pytest.mark.rule("upstream_timeout_502", "no_upstream_leak", "openai_error_envelope", "anthropic_error_envelope")
@FORMATS
def test_upstream_timeout_is_502(api: ApiClient, contract: Contract, discovery: Discovery, mock_upstreams: bool,
                                 driver: Driver) -> None:
    """An upstream that accepts the request and then says nothing past the gateway's read timeout is a
    502 ``upstream_error`` in the format's envelope, showing nothing of the upstream (D-11)."""
    model = driver.plain_model(discovery, api)
    prompt = f"[[mock:fault=hang:{HANG_SECONDS}s]] Say hello."
    response = driver.create(api, driver.body(model, prompt), retry_429=False)
    if response.status_code == 200:
        pytest.skip(f"the deployment waits more than {HANG_SECONDS} s for an upstream (its read timeout is longer)")
    formats.upstream_timeout_502(response)
    formats.upstream_timeout_502(response, driver.error(response, contract, status=502))
    no_leaks(response.content)
    no_leaks(response.headers)
