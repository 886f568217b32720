"""The official ``openai`` SDK as a real client of the deployment's Chat Completions endpoint.

The SDK's HTTP client runs over the contract transport (sync) or :class:`AsyncContractTransport`
(async), so everything it receives is validated like the suites' own requests. ``max_retries=0``: a
retry would hide the status the deployment really answered.
"""

from __future__ import annotations

import asyncio
import secrets
from typing import Any, cast

import httpx
import openai
import pytest

from suites import tools
from suites.chat import need
from suites.checks import expect, require
from suites.checks.behaviour import id_prefix
from suites.contract import Contract
from suites.discovery import Discovery, param_names
from suites.plugin import Target
from suites.raises import raises
from suites.recorder import Recorder
from suites.sdk import openai_client
from suites.selection import owner_first, reasoning_on
from suites.transport import AsyncContractTransport, ContractTransport

WEATHER: Any = tools.SDK_WEATHER.chat()
HELLO: Any = [{"role": "user", "content": "Say hello in one short sentence."}]


@pytest.fixture
def model(discovery: Discovery) -> str:
    return str(need(discovery.plain_chat_model(), "chat model")["id"])


@pytest.mark.rule("sdk_openai", "response_id_prefix", "model_echoed", "usage_total")
def test_sdk_create(openai_sdk: openai.OpenAI, model: str) -> None:
    completion = openai_sdk.chat.completions.create(model=model, messages=HELLO)
    id_prefix(completion.id, "chatcmpl-")
    expect("model_echoed", completion.model == model, f"model {model!r}", completion.model)
    choice = completion.choices[0]
    expect("finish_reason", choice.finish_reason == "stop", "finish_reason stop", choice.finish_reason)
    expect("assistant_role", choice.message.role == "assistant", "role assistant", choice.message.role)
    expect("non_empty_content", bool(choice.message.content and choice.message.content.strip()), "an answer",
           choice.message.content)
    usage = completion.usage
    expect("usage_present", usage is not None, "usage", usage)
    if usage is not None:
        expect("usage_total", usage.total_tokens == usage.prompt_tokens + usage.completion_tokens,
               "total_tokens = prompt_tokens + completion_tokens", usage)


@pytest.mark.rule("sdk_openai", "stream_usage_chunk_last", "stream_identity_stable")
def test_sdk_stream(openai_sdk: openai.OpenAI, model: str) -> None:
    stream: Any = openai_sdk.chat.completions.create(model=model, messages=HELLO, stream=True,
                                                     stream_options={"include_usage": True})
    chunks = list(stream)
    expect("sdk_openai", bool(chunks), "the SDK to see chunks", chunks)
    content = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    expect("non_empty_content", bool(content.strip()), "non-empty joined content", content)
    finishes = [c.choices[0].finish_reason for c in chunks if c.choices and c.choices[0].finish_reason]
    expect("stream_one_finish_reason", finishes == ["stop"], "one finish_reason stop", finishes)
    expect("stream_usage_chunk_last", bool(chunks) and chunks[-1].choices == [] and chunks[-1].usage is not None,
           "the last chunk carrying the usage", chunks[-1:])
    expect("stream_identity_stable", len({c.id for c in chunks}) == 1, "one id in the stream", {c.id for c in chunks})


@pytest.mark.rule("sdk_openai", "stream_matches_non_stream")
def test_sdk_async_create_and_stream(target: Target, contract: Contract, recorder: Recorder, model: str) -> None:
    async def run() -> None:
        transport = AsyncContractTransport(contract, recorder)
        http: Any = httpx.AsyncClient(transport=transport, timeout=60)
        client = openai.AsyncOpenAI(api_key=target.api_key, base_url=f"{target.base_url}/v1", max_retries=0,
                                    http_client=http)
        try:
            completion = await client.chat.completions.create(model=model, messages=HELLO)
            expect("finish_reason", completion.choices[0].finish_reason == "stop", "finish_reason stop",
                   completion.choices[0].finish_reason)
            expect("non_empty_content", bool(completion.choices[0].message.content), "an answer",
                   completion.choices[0].message.content)
            stream: Any = await client.chat.completions.create(model=model, messages=HELLO, stream=True)
            content, finishes = "", []
            async for chunk in stream:
                if chunk.choices:
                    content += chunk.choices[0].delta.content or ""
                    if chunk.choices[0].finish_reason:
                        finishes.append(chunk.choices[0].finish_reason)
            expect("non_empty_content", bool(content.strip()), "non-empty streamed content", content)
            expect("stream_one_finish_reason", finishes == ["stop"], "one finish_reason stop", finishes)
            expect("stream_matches_non_stream", content == completion.choices[0].message.content
                   or not target.mock_upstreams, f"the non-stream content {completion.choices[0].message.content!r:.80}",
                   content)
        finally:
            await client.close()
            await http.aclose()

    asyncio.run(run())


@pytest.mark.rule("sdk_openai", "tool_round_trip")
def test_sdk_tool_round_trip(openai_sdk: openai.OpenAI, discovery: Discovery) -> None:
    pool = [m for m in discovery.tool_models() if not (m.get("capabilities") or {}).get("thinking")] \
        or discovery.tool_models()
    tool_model: Any = need(min(pool, key=owner_first("openai")) if pool else None,
                      "tool-capable chat model")["id"]
    messages: Any = [{"role": "user", "content": "What is the weather in Paris? Use the tool."}]
    first = openai_sdk.chat.completions.create(model=tool_model, messages=messages, tools=[WEATHER],
                                               tool_choice="required")
    message = first.choices[0].message
    expect("tool_choice_modes", first.choices[0].finish_reason == "tool_calls" and bool(message.tool_calls),
           "finish_reason tool_calls with tool calls", first.choices[0])
    tool_calls = message.tool_calls or []
    messages.append(message.model_dump(exclude_none=True))
    for call in tool_calls:
        messages.append({"role": "tool", "tool_call_id": call.id, "content": '{"temperature": 21, "unit": "celsius"}'})
    second = openai_sdk.chat.completions.create(model=tool_model, messages=messages, tools=[WEATHER])
    expect("tool_round_trip", second.choices[0].finish_reason == "stop", "finish_reason stop after the tool result",
           second.choices[0].finish_reason)
    expect("tool_round_trip", bool(second.choices[0].message.content) and not second.choices[0].message.tool_calls,
           "a text answer after the tool result", second.choices[0].message)


@pytest.mark.rule("sdk_openai")
def test_sdk_raw_response_headers(openai_sdk: openai.OpenAI, model: str) -> None:
    raw = openai_sdk.chat.completions.with_raw_response.create(model=model, messages=HELLO)
    expect("valid_request_200", raw.status_code == 200, "status 200", raw.status_code)
    expect("sdk_openai", raw.headers.get("content-type", "").startswith("application/json"),
           "content-type application/json", raw.headers.get("content-type"))
    completion = raw.parse()
    expect("sdk_openai", completion.object == "chat.completion" and bool(completion.choices[0].message.content),
           "a chat.completion with an answer", completion)


ERRORS: dict[str, tuple[type[openai.APIStatusError], int, str]] = {
    "401": (openai.AuthenticationError, 401, "invalid_api_key"),
    "404": (openai.NotFoundError, 404, "model_not_found"),
    "400": (openai.BadRequestError, 400, ""),
    "402": (openai.APIStatusError, 402, "insufficient_credits"),
    "429": (openai.RateLimitError, 429, "rate_limit_exceeded"),
    "502": (openai.InternalServerError, 502, "upstream_error"),
    "503": (openai.InternalServerError, 503, "model_unavailable"),
}


@pytest.mark.parametrize("status", list(ERRORS))
@pytest.mark.rule("sdk_openai", "error_code", "upstream_failure_status")
def test_sdk_error_classes(request: pytest.FixtureRequest, target: Target, contract_transport: ContractTransport,
                           model: str, status: str) -> None:
    expected, code, error_code = ERRORS[status]
    if code in (502, 503):
        require("upstream_failure_status")
    key: str | None = None
    messages: Any = HELLO
    model_id = model
    if status == "401":
        key = "sk-empiriolabs-" + secrets.token_urlsafe(32)
    elif status == "404":
        model_id = f"no-such-model-{secrets.token_hex(4)}"
    elif status == "400":
        messages = []
    elif status == "402":
        key = request.getfixturevalue("zero_credit_key")
    elif status == "429":
        key = request.getfixturevalue("rate_limited_key")
    else:
        request.getfixturevalue("mock_upstreams")
        fault = "status:500" if status == "502" else "status:503"
        messages = [{"role": "user", "content": f"[[mock:fault={fault}]] Say hello."}]
    client = openai_client(target, contract_transport, key)
    try:
        with raises(expected) as caught:
            for _ in range(2 if status == "429" else 1):  # the 1-RPM key may let one request through first
                client.chat.completions.create(model=model_id, messages=messages)
    finally:
        client.close()
    error = caught.value
    expect("sdk_openai", isinstance(error, expected), f"{status}: the SDK raising {expected.__name__}",
           f"raised {type(error).__name__}")
    error = cast(openai.APIStatusError, error)  # raises() lets no other class through
    expect("sdk_openai", error.status_code == code, f"status {code}", error.status_code)
    if error_code:
        expect("error_code", error.code == error_code, f"error.code {error_code!r}", error.code)


@pytest.mark.rule("sdk_openai", "portable_effort_reasons", "chat_thinking_honoured")
def test_sdk_claude_thinking(openai_sdk: openai.OpenAI, discovery: Discovery) -> None:
    """D-51: Claude-style extended thinking through the SDK as a plain client — ``reasoning_effort`` (a
    field the SDK has) and ``thinking`` (``extra_body``), whole and streamed — comes back as the
    message's ``reasoning_content``."""
    found = [m for m in discovery.chat_models() if "thinking" in param_names(m)
             and (m.get("capabilities") or {}).get("thinking")]
    model = str(need(found[0] if found else None, "chat model with Anthropic thinking")["id"])
    question: Any = [{"role": "user", "content": "Is 17 a prime number? Answer briefly."}]
    completion = openai_sdk.chat.completions.create(model=model, messages=question, reasoning_effort="low")
    reasoning = getattr(completion.choices[0].message, "reasoning_content", None)
    expect("portable_effort_reasons", isinstance(reasoning, str) and bool(reasoning.strip()),
           "message.reasoning_content with reasoning_effort low", reasoning)
    stream: Any = openai_sdk.chat.completions.create(
        model=model, messages=question, stream=True, max_completion_tokens=2048,
        extra_body={"thinking": {"type": "enabled", "budget_tokens": 1024}})
    streamed = "".join(getattr(c.choices[0].delta, "reasoning_content", None) or "" for c in stream if c.choices)
    expect("chat_thinking_honoured", bool(streamed.strip()), "delta.reasoning_content with thinking enabled",
           streamed)


def _tool_loop(openai_sdk: openai.OpenAI, model: str, rounds: int, **kwargs: Any) -> list[Any]:
    """A multi-step tool loop as a plain client runs it: ``rounds`` tool rounds (each a question, the tool
    call, the assistant message sent back as the SDK returned it — ``reasoning_content`` included — and the
    tool result), then the answer. Returns each tool-calling step's completion."""
    messages: Any = []
    steps: list[Any] = []
    for city in ("Paris", "London", "Rome")[:rounds]:
        messages.append({"role": "user", "content": f"What is the weather in {city}? Use the get_weather tool."})
        completion = openai_sdk.chat.completions.create(model=model, messages=messages, tools=[WEATHER], **kwargs)
        message = completion.choices[0].message
        steps.append(completion)
        expect("tool_round_trip", completion.choices[0].finish_reason == "tool_calls" and bool(message.tool_calls),
               f"step {len(steps)}: a tool call", completion.choices[0])
        messages.append(message.model_dump(exclude_none=True))
        messages += [{"role": "tool", "tool_call_id": c.id, "content": f"Sunny in {city}, 21 degrees"}
                     for c in message.tool_calls or ()]
        final = openai_sdk.chat.completions.create(model=model, messages=messages, tools=[WEATHER], **kwargs)
        answer = final.choices[0].message
        expect("tool_round_trip", final.choices[0].finish_reason == "stop" and bool(answer.content),
               f"step {len(steps)}: an answer after the tool result", final.choices[0])
        messages.append(answer.model_dump(exclude_none=True))
    return steps


@pytest.mark.rule("sdk_openai", "reasoning_tool_loop", "tool_round_trip")
def test_sdk_reasoning_tool_loop(openai_sdk: openai.OpenAI, discovery: Discovery) -> None:
    """Issue #8: a multi-step tool loop with a DeepSeek-style reasoner, the SDK sending every assistant
    message back with its ``reasoning_content`` (D-8): two tool rounds, each answered."""
    calling = {m["id"] for m in discovery.tool_models()}
    pool = [m for m in discovery.deepseek_style_reasoners() if m["id"] in calling and reasoning_on(m)]
    chosen = need(min(pool, key=lambda m: m["id"]) if pool else None, "DeepSeek-style reasoner that calls tools")
    steps = _tool_loop(openai_sdk, str(chosen["id"]), 2, extra_body=reasoning_on(chosen))
    for n, completion in enumerate(steps, 1):
        reasoning = getattr(completion.choices[0].message, "reasoning_content", None)
        expect("reasoning_tool_loop", isinstance(reasoning, str) and bool(reasoning.strip()),
               f"step {n}: reasoning_content beside the tool call", reasoning)


@pytest.mark.rule("sdk_openai", "portable_effort_reasons", "unsigned_tool_turn_answered", "claude_reasoning_tokens",
                  "tool_round_trip")
def test_sdk_claude_thinking_tool_loop(openai_sdk: openai.OpenAI, discovery: Discovery) -> None:
    """Claude thinking through chat completions with ``reasoning_effort`` in a two-round tool loop: each
    tool call comes with its reasoning, and each tool result is answered although chat completions carry
    no thinking signature back (D-62)."""
    calling = {m["id"] for m in discovery.tool_models()}
    found = [m for m in discovery.chat_models() if "thinking" in param_names(m) and m["id"] in calling
             and (m.get("capabilities") or {}).get("thinking")]
    model = str(need(found[0] if found else None, "chat model with Anthropic thinking that calls tools")["id"])
    steps = _tool_loop(openai_sdk, model, 2, reasoning_effort="low")
    for n, completion in enumerate(steps, 1):
        reasoning = getattr(completion.choices[0].message, "reasoning_content", None)
        expect("portable_effort_reasons", isinstance(reasoning, str) and bool(reasoning.strip()),
               f"step {n}: reasoning_content with reasoning_effort low", reasoning)
        details = completion.usage.completion_tokens_details if completion.usage else None
        tokens = details.reasoning_tokens if details else None
        expect("claude_reasoning_tokens", isinstance(tokens, int) and 0 < tokens <= completion.usage.completion_tokens,
               f"step {n}: 0 < reasoning_tokens <= completion_tokens", completion.usage)
