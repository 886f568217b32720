"""Reasoning sent back reaches the upstream that needs it, as the client sent it (D-8, D-62).

* Responses ``reasoning`` items on an earlier turn are the reasoning of the turn that follows them: a
  DeepSeek model in thinking mode gets it back as that tool-call turn's ``reasoning_content`` (DeepSeek's
  thinking-mode guide: after tool calls the reasoning must be passed back).
* Anthropic ``thinking`` blocks from Claude, sent back on ``/v1/messages`` with their ``signature``, reach
  the Anthropic upstream unchanged at the start of the tool-use turn (Anthropic's extended-thinking guide:
  during tool use the thinking blocks must be passed back unmodified, signature included).

What reached the upstream is read from the mocks' request logs (``GET /__mock__/requests``), found by a
marker in the tool result, so these checks need the mocks' URLs (``--mock-control``; the self-launched
reference has them). Models are chosen from the catalog: DeepSeek-owned models listing DeepSeek's
thinking switch (``enable_thinking``) whose id names no R1-style reasoner, and models listing Anthropic
``thinking``.
"""

from __future__ import annotations

import secrets
from typing import Any

import pytest

from suites import tools
from suites.anthropic_stream import create as create_message
from suites.anthropic_stream import message_body, stream_messages
from suites.checks import CheckFailure, holds
from suites.checks import messages as message_checks
from suites.checks import responses as response_checks
from suites.client import ApiClient
from suites.discovery import Discovery, param_names
from suites.recorder import Recorder
from suites.responses_stream import create as create_response
from suites.responses_stream import reasoning_extra, response_body, stream_responses
from suites.selection import Failures
from suites.tools import ASK
from suites.upstreams import UpstreamLog

STREAM = pytest.mark.parametrize("stream", [False, True], ids=["non-stream", "stream"])
RESPONSES, MESSAGES = "/v1/responses", "/v1/messages"
THINKING: dict[str, Any] = {"thinking": {"type": "enabled", "budget_tokens": 1024}, "max_tokens": 2048}


def _log(recorder: Recorder) -> UpstreamLog:
    log = recorder.upstreams
    if not log:
        pytest.skip("the mocks' request logs are unknown (--mock-control): what reached the upstream cannot be seen")
    return log  # type: ignore[no-any-return]


def _last_sent(log: UpstreamLog, marker: str, rule: str) -> dict[str, Any]:
    bodies = log.carrying(marker)
    if not bodies:
        raise CheckFailure(rule, f"no upstream request carried the tool-result marker {marker}")
    return bodies[-1]


def _thinking_mode_models(discovery: Discovery, api: ApiClient) -> list[dict[str, Any]]:
    """DeepSeek-owned tool models on /v1/responses with DeepSeek's thinking switch, not R1-style."""
    found = [m for m in discovery.serving(RESPONSES) if m.get("owned_by") == "deepseek"
             and "enable_thinking" in param_names(m) and "tools" in param_names(m)
             and not ("reasoner" in m["id"] or "r1" in m["id"]) and discovery.calls_tools(m, RESPONSES)]
    if not found:
        pytest.skip("no DeepSeek thinking-mode model that calls tools on /v1/responses")
    return sorted(found, key=lambda m: m["id"])[:1]


def _response(api: ApiClient, body: dict[str, Any], stream: bool) -> dict[str, Any]:
    if stream:
        final = stream_responses(api, {**body, "stream": True}).final
        holds("valid_request_200", isinstance(final, dict), "the stream ends with a terminal response")
        return final  # type: ignore[return-value]
    response = create_response(api, body)
    holds("valid_request_200", response.status_code == 200, f"{response.status_code}: {response.text[:300]!r}")
    return response.json()  # type: ignore[no-any-return]


@STREAM
@pytest.mark.rule("reasoning_items_round_trip", "tool_round_trip")
def test_reasoning_items_reach_a_thinking_upstream(api: ApiClient, discovery: Discovery, recorder: Recorder,
                                                   stream: bool) -> None:
    log = _log(recorder)
    failures = Failures()
    for model in _thinking_mode_models(discovery, api):
        with failures.check(str(model["id"])):
            body = response_body(model, ASK, tools=[tools.WEATHER.responses()], **reasoning_extra(model))
            first = _response(api, body, stream)
            output = first.get("output") or []
            thoughts = [i for i in output if i.get("type") == "reasoning"]
            calls = [i for i in output if i.get("type") == "function_call"]
            holds("reasoning_items_round_trip", bool(thoughts and calls),
                  f"step 1: a reasoning item and a function_call: {[i.get('type') for i in output]}")
            text = "".join(p.get("text", "") for p in thoughts[0].get("content") or ())
            marker = f"ref-{secrets.token_hex(6)}"
            body["input"] = [{"role": "user", "content": ASK}, *output,
                             *[{"type": "function_call_output", "call_id": c["call_id"], "output": f"Sunny ({marker})"}
                               for c in calls]]
            second = _response(api, body, stream)
            holds("tool_round_trip", second.get("status") == "completed" and bool(response_checks.message_text(second)),
                  f"step 2: a completed answer, got {second.get('status')!r}")
            sent = _last_sent(log, marker, "reasoning_items_round_trip")
            turns = [m for m in sent.get("messages") or () if m.get("role") == "assistant" and m.get("tool_calls")]
            holds("reasoning_items_round_trip", bool(turns) and turns[-1].get("reasoning_content") == text,
                  f"the tool-call turn reached the upstream with reasoning_content "
                  f"{(turns[-1].get('reasoning_content') if turns else None)!r:.120}, expected the item's text {text!r:.120}")
    failures.raise_any()


def _claude_thinkers(discovery: Discovery, api: ApiClient) -> list[dict[str, Any]]:
    found = [m for m in discovery.serving(MESSAGES) if "thinking" in param_names(m)
             and (m.get("capabilities") or {}).get("thinking") and discovery.calls_tools(m, MESSAGES)]
    if not found:
        pytest.skip("no model with Anthropic thinking that calls tools on /v1/messages")
    return sorted(found, key=lambda m: m["id"])[:1]


def _message(api: ApiClient, body: dict[str, Any], stream: bool) -> dict[str, Any]:
    if not stream:
        response = create_message(api, body)
        holds("valid_request_200", response.status_code == 200, f"{response.status_code}: {response.text[:300]!r}")
        return response.json()  # type: ignore[no-any-return]
    result = stream_messages(api, {**body, "stream": True})
    blocks = message_checks.blocks_in_order(result.payloads)
    delta = message_checks.message_delta_rules(result.payloads)
    return {"content": blocks, "stop_reason": delta["delta"]["stop_reason"]}


@STREAM
@pytest.mark.rule("signed_thinking_passed_back", "tool_round_trip")
def test_claude_thinking_blocks_reach_the_upstream_signed(api: ApiClient, discovery: Discovery, recorder: Recorder,
                                                          stream: bool) -> None:
    log = _log(recorder)
    failures = Failures()
    for model in _claude_thinkers(discovery, api):
        with failures.check(str(model["id"])):
            body = message_body(model, ASK, tools=[tools.WEATHER.messages()], **THINKING)
            first = _message(api, body, stream)
            blocks = first.get("content") or []
            thinking = [b for b in blocks if b.get("type") == "thinking"]
            uses = [b for b in blocks if b.get("type") == "tool_use"]
            holds("signed_thinking_passed_back", bool(thinking and uses),
                  f"step 1: a thinking block and a tool_use: {[b.get('type') for b in blocks]}")
            marker = f"ref-{secrets.token_hex(6)}"
            body["messages"] += [
                {"role": "assistant", "content": blocks},
                {"role": "user", "content": [{"type": "tool_result", "tool_use_id": u["id"], "content": f"Sunny ({marker})"}
                                             for u in uses]},
            ]
            second = _message(api, body, stream)
            holds("tool_round_trip", second.get("stop_reason") == "end_turn",
                  f"step 2: the tool loop is answered (stop_reason {second.get('stop_reason')!r})")
            sent = _last_sent(log, marker, "signed_thinking_passed_back")
            turns = [m for m in sent.get("messages") or () if m.get("role") == "assistant"]
            lead = (turns[-1].get("content") or [{}])[0] if turns and isinstance(turns[-1].get("content"), list) else {}
            expected = {"type": "thinking", "thinking": thinking[0].get("thinking"), "signature": thinking[0].get("signature")}
            got = {k: lead.get(k) for k in expected}
            holds("signed_thinking_passed_back", got == expected,
                  f"the tool-use turn reached the upstream starting with {str(got)[:200]}, expected the thinking block "
                  f"as the client got it ({str(expected)[:200]})")
    failures.raise_any()


@STREAM
@pytest.mark.rule("unsigned_tool_turn_answered", "tool_round_trip")
def test_claude_tool_loop_with_thinking_over_responses(api: ApiClient, discovery: Discovery, stream: bool) -> None:
    """A Claude tool loop with ``reasoning: {effort}`` over /v1/responses, the output items sent back as
    returned: the function_call_output is answered although Responses carry no thinking signature (D-62)."""
    found = [m for m in discovery.serving(RESPONSES) if "thinking" in param_names(m) and "reasoning" in param_names(m)
             and (m.get("capabilities") or {}).get("thinking") and discovery.calls_tools(m, RESPONSES)]
    if not found:
        pytest.skip("no model with Anthropic thinking that calls tools on /v1/responses")
    model = min(found, key=lambda m: m["id"])
    body = response_body(model, ASK, tools=[tools.WEATHER.responses()], reasoning={"effort": "low"})
    first = _response(api, body, stream)
    output = first.get("output") or []
    calls = [i for i in output if i.get("type") == "function_call"]
    holds("unsigned_tool_turn_answered", bool(calls) and any(i.get("type") == "reasoning" for i in output),
          f"step 1: reasoning and a function_call: {[i.get('type') for i in output]}")
    body["input"] = [{"role": "user", "content": ASK}, *output,
                     *[{"type": "function_call_output", "call_id": c["call_id"], "output": "Sunny, 21 degrees"}
                       for c in calls]]
    second = _response(api, body, stream)
    holds("unsigned_tool_turn_answered", second.get("status") == "completed" and bool(response_checks.message_text(second)),
          f"step 2: the tool result is answered (status {second.get('status')!r})")


def _claude_responders(discovery: Discovery) -> list[dict[str, Any]]:
    found = [m for m in discovery.serving(RESPONSES) if "thinking" in param_names(m) and "reasoning" in param_names(m)
             and (m.get("capabilities") or {}).get("thinking") and discovery.calls_tools(m, RESPONSES)]
    if not found:
        pytest.skip("no model with Anthropic thinking that calls tools on /v1/responses")
    return sorted(found, key=lambda m: m["id"])[:1]


def _sealed_reasoning(api: ApiClient, body: dict[str, Any], stream: bool) -> dict[str, Any]:
    """The response; streamed, each reasoning item's ``response.output_item.done`` must match the final one."""
    if not stream:
        return _response(api, body, stream)
    result = stream_responses(api, {**body, "stream": True})
    final = result.final
    if not isinstance(final, dict):
        raise CheckFailure("valid_request_200", "the stream ends with a terminal response")
    done = {p["item"].get("id"): p["item"] for p in result.of_type("response.output_item.done")
            if isinstance(p.get("item"), dict) and p["item"].get("type") == "reasoning"}
    for item in final.get("output") or ():
        if item.get("type") == "reasoning":
            holds("encrypted_reasoning_round_trip",
                  (done.get(item.get("id")) or {}).get("encrypted_content") == item.get("encrypted_content"),
                  f"response.output_item.done of reasoning item {item.get('id')!r} carries the final response's "
                  "encrypted_content")
    return final


@STREAM
@pytest.mark.rule("encrypted_reasoning_round_trip", "tool_round_trip")
def test_claude_signature_round_trips_in_encrypted_content(api: ApiClient, discovery: Discovery, recorder: Recorder,
                                                           stream: bool) -> None:
    """With ``include: ["reasoning.encrypted_content"]`` a Claude reasoning item carries ``encrypted_content``;
    sent back before its function_call, the continuation reaches the Anthropic upstream with thinking on and
    the tool-use turn starting with the item's thinking, signed (D-65)."""
    log = _log(recorder)
    failures = Failures()
    for model in _claude_responders(discovery):
        with failures.check(str(model["id"])):
            body = response_body(model, ASK, tools=[tools.WEATHER.responses()], reasoning={"effort": "low"},
                                 include=["reasoning.encrypted_content"])
            first = _sealed_reasoning(api, body, stream)
            output = first.get("output") or []
            calls = [i for i in output if i.get("type") == "function_call"]
            reasoning = [i for i in output if i.get("type") == "reasoning"]
            sealed = reasoning[0].get("encrypted_content") if reasoning else None
            holds("encrypted_reasoning_round_trip", bool(calls) and isinstance(sealed, str) and bool(sealed),
                  f"step 1: a reasoning item with encrypted_content and a function_call: "
                  f"{[(i.get('type'), bool(i.get('encrypted_content'))) for i in output]}")
            text = "".join(p.get("text") or "" for p in reasoning[0].get("content") or ())
            marker = f"ref-{secrets.token_hex(6)}"
            body["input"] = [{"role": "user", "content": ASK}, *output,
                             *[{"type": "function_call_output", "call_id": c["call_id"], "output": f"Sunny ({marker})"}
                               for c in calls]]
            second = _response(api, body, stream)
            holds("tool_round_trip", second.get("status") == "completed" and bool(response_checks.message_text(second)),
                  f"step 2: the tool result is answered (status {second.get('status')!r})")
            sent = _last_sent(log, marker, "encrypted_reasoning_round_trip")
            thinking = sent.get("thinking") or {}
            turns = [m for m in sent.get("messages") or () if m.get("role") == "assistant"]
            lead = (turns[-1].get("content") or [{}])[0] if turns and isinstance(turns[-1].get("content"), list) else {}
            holds("encrypted_reasoning_round_trip",
                  thinking.get("type") == "enabled" and lead.get("type") == "thinking"
                  and lead.get("thinking") == text and bool(lead.get("signature")),
                  f"the continuation reached the upstream with thinking {thinking!r:.80} and the tool-use turn "
                  f"starting with {str(lead)[:200]}, expected thinking on and the item's thinking, signed")
    failures.raise_any()
