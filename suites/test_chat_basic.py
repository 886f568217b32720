"""Chat Completions, non-streaming: one representative model per provider, usage and cost, the token
limit and its deprecated alias, stop sequences, and recovery after an error."""

from __future__ import annotations

from typing import Any

import pytest

from suites.chat import Failures, ResponseCache, chat_body, complete, need, per_provider, stream_chat
from suites.checks import chat as checks
from suites.checks import errors, expect
from suites.checks.behaviour import ok_json, param_named
from suites.client import ApiClient
from suites.contract import Contract
from suites.discovery import Discovery
from suites.plugin import Target


@pytest.fixture(scope="session")
def basic_cache() -> ResponseCache:
    return ResponseCache()


def _ok(response: Any) -> Any:
    return ok_json("valid_request_200", response)


@pytest.mark.rule("one_choice", "assistant_role", "non_empty_content", "finish_reason", "model_echoed", "usage_total")
def test_completion_per_provider(api: ApiClient, discovery: Discovery, basic_cache: ResponseCache) -> None:
    failures = Failures()
    for model in per_provider(discovery, api):
        with failures.check(f"{model['owned_by']}/{model['id']}"):
            body = _ok(basic_cache.complete(api, chat_body(model)))
            checks.assistant_message(body, finish="stop")
            checks.model_echoed(body, model["id"])
    failures.raise_any()


def _within_limit(usage: dict[str, Any], limit: int) -> None:
    reasoning = (usage.get("completion_tokens_details") or {}).get("reasoning_tokens") or 0
    answer = usage["completion_tokens"] - reasoning
    expect("max_tokens_bound", answer <= limit, f"at most {limit} answer tokens",
           f"completion_tokens {usage['completion_tokens']} (reasoning {reasoning})")


@pytest.mark.rule("finish_reason", "max_tokens_bound")
def test_max_tokens_gives_length(api: ApiClient, discovery: Discovery) -> None:
    failures = Failures()
    for model in per_provider(discovery, api):
        with failures.check(f"{model['owned_by']}/{model['id']}"):
            body = _ok(complete(api, chat_body(model, "Write a long story about a lighthouse.",
                                               max_completion_tokens=3)))
            checks.assistant_message(body, finish="length", text=False)
            _within_limit(checks.usage_adds_up(body.get("usage"), cost=False, positive=False), 3)
    failures.raise_any()


@pytest.mark.rule("max_tokens_alias")
def test_max_tokens_alias(api: ApiClient, contract: Contract, discovery: Discovery) -> None:
    model = need(discovery.plain_chat_model(), "chat model")
    prompt = "Write a long story about a lighthouse."

    alone = _ok(complete(api, chat_body(model, prompt, max_tokens=3)))
    checks.assistant_message(alone, finish="length", text=False)
    _within_limit(alone["usage"], 3)

    same = _ok(complete(api, chat_body(model, prompt, max_tokens=3, max_completion_tokens=3)))
    checks.assistant_message(same, finish="length", text=False)

    conflicting = complete(api, chat_body(model, prompt, max_tokens=3, max_completion_tokens=5))
    error = errors.openai_error(conflicting, contract, status=400, code="invalid_parameter", type="invalid_request_error")
    param_named(error, "max_tokens", "max_tokens_alias")


@pytest.mark.rule("valid_after_error")
def test_valid_request_after_error(api: ApiClient, contract: Contract, discovery: Discovery) -> None:
    failures = Failures()
    for model in per_provider(discovery, api):
        with failures.check(f"{model['owned_by']}/{model['id']}"):
            bad = complete(api, {"model": model["id"], "messages": None})
            errors.openai_error(bad, contract, status=400, type="invalid_request_error")
            body = _ok(complete(api, chat_body(model)))
            checks.assistant_message(body, finish="stop")
    failures.raise_any()


STOP_PROMPT = "Repeat these words exactly, separated by spaces: alpha beta gamma delta epsilon"


@pytest.mark.parametrize("form", ["string", "list"])
@pytest.mark.rule("stop_sequence_respected")
def test_stop_sequence(api: ApiClient, discovery: Discovery, target: Target, form: str) -> None:
    model = need(discovery.plain_chat_model(), "chat model")
    stop: Any = "gamma" if form == "string" else ["gamma", "zzzz-never"]
    body = _ok(complete(api, chat_body(model, STOP_PROMPT, stop=stop)))
    message = checks.assistant_message(body, finish="stop", text=False)
    content = message.get("content") or ""
    expect("stop_sequence_respected", "gamma" not in content, "content without the stop sequence 'gamma'", content)

    streamed = stream_chat(api, chat_body(model, STOP_PROMPT, stop=stop))
    expect("stop_sequence_respected", "gamma" not in streamed.content, "streamed content without 'gamma'",
           streamed.content)
    checks.one_finish_reason(streamed.chunks, expected="stop")

    if target.mock_upstreams:  # deterministic upstream: the cut is exactly before the first match
        full = _ok(complete(api, chat_body(model, STOP_PROMPT)))["choices"][0]["message"]["content"]
        expect("stop_sequence_respected", "gamma" in full, "an unstopped reply holding 'gamma' to compare with", full)
        expected = full[: full.index("gamma")]
        expect("stop_sequence_respected", content == expected, f"the reply cut before 'gamma': {expected!r:.120}", content)
        expect("stop_sequence_respected", streamed.content == expected, f"the streamed reply cut before 'gamma': "
               f"{expected!r:.120}", streamed.content)
