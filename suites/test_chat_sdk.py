"""The official ``openai`` SDK as a real client of the deployment's Chat Completions endpoint.

The SDK's HTTP client runs over the contract transport (sync) or :class:`AsyncContractTransport`
(async), so everything it receives is validated like the suites' own requests. ``max_retries=0``: a
retry would hide the status the deployment really answered.
"""

from __future__ import annotations

import asyncio
import secrets
from typing import Any

import httpx
import openai
import pytest

from suites import tools
from suites.chat import need
from suites.contract import Contract
from suites.discovery import Discovery
from suites.plugin import Target
from suites.recorder import Recorder
from suites.sdk import openai_client
from suites.selection import owner_first
from suites.transport import AsyncContractTransport, ContractTransport

WEATHER: Any = tools.SDK_WEATHER.chat()
HELLO: Any = [{"role": "user", "content": "Say hello in one short sentence."}]


@pytest.fixture
def model(discovery: Discovery) -> str:
    return str(need(discovery.plain_chat_model(), "chat model")["id"])


@pytest.mark.rule("sdk_openai", "response_id_prefix", "model_echoed", "usage_total")
def test_sdk_create(openai_sdk: openai.OpenAI, model: str) -> None:
    completion = openai_sdk.chat.completions.create(model=model, messages=HELLO)
    assert completion.id.startswith("chatcmpl-")
    assert completion.model == model
    choice = completion.choices[0]
    assert choice.finish_reason == "stop" and choice.message.role == "assistant"
    assert choice.message.content and choice.message.content.strip()
    assert completion.usage is not None
    assert completion.usage.total_tokens == completion.usage.prompt_tokens + completion.usage.completion_tokens


@pytest.mark.rule("sdk_openai", "stream_usage_chunk_last", "stream_identity_stable")
def test_sdk_stream(openai_sdk: openai.OpenAI, model: str) -> None:
    stream: Any = openai_sdk.chat.completions.create(model=model, messages=HELLO, stream=True,
                                                     stream_options={"include_usage": True})
    chunks = list(stream)
    assert chunks, "the SDK saw no chunks"
    content = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert content.strip(), "the joined stream content is empty"
    finishes = [c.choices[0].finish_reason for c in chunks if c.choices and c.choices[0].finish_reason]
    assert finishes == ["stop"], f"finish reasons seen by the SDK: {finishes}"
    assert chunks[-1].choices == [] and chunks[-1].usage is not None, "the last chunk should carry the usage"
    assert len({c.id for c in chunks}) == 1, "chunk ids differ within one stream"


@pytest.mark.rule("sdk_openai", "stream_matches_non_stream")
def test_sdk_async_create_and_stream(target: Target, contract: Contract, recorder: Recorder, model: str) -> None:
    async def run() -> None:
        transport = AsyncContractTransport(contract, recorder)
        http: Any = httpx.AsyncClient(transport=transport, timeout=60)
        client = openai.AsyncOpenAI(api_key=target.api_key, base_url=f"{target.base_url}/v1", max_retries=0,
                                    http_client=http)
        try:
            completion = await client.chat.completions.create(model=model, messages=HELLO)
            assert completion.choices[0].finish_reason == "stop"
            assert completion.choices[0].message.content
            stream: Any = await client.chat.completions.create(model=model, messages=HELLO, stream=True)
            content, finishes = "", []
            async for chunk in stream:
                if chunk.choices:
                    content += chunk.choices[0].delta.content or ""
                    if chunk.choices[0].finish_reason:
                        finishes.append(chunk.choices[0].finish_reason)
            assert content.strip() and finishes == ["stop"], f"content {content!r:.80}, finish reasons {finishes}"
            assert content == completion.choices[0].message.content or not target.mock_upstreams, \
                "the deterministic upstream gave different stream and non-stream content"
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
    assert first.choices[0].finish_reason == "tool_calls" and message.tool_calls, "no tool call"
    messages.append(message.model_dump(exclude_none=True))
    for call in message.tool_calls:
        messages.append({"role": "tool", "tool_call_id": call.id, "content": '{"temperature": 21, "unit": "celsius"}'})
    second = openai_sdk.chat.completions.create(model=tool_model, messages=messages, tools=[WEATHER])
    assert second.choices[0].finish_reason == "stop", f"finish_reason {second.choices[0].finish_reason!r}"
    assert second.choices[0].message.content and not second.choices[0].message.tool_calls


@pytest.mark.rule("sdk_openai")
def test_sdk_raw_response_headers(openai_sdk: openai.OpenAI, model: str) -> None:
    raw = openai_sdk.chat.completions.with_raw_response.create(model=model, messages=HELLO)
    assert raw.status_code == 200
    assert raw.headers.get("content-type", "").startswith("application/json"), raw.headers.get("content-type")
    completion = raw.parse()
    assert completion.object == "chat.completion" and completion.choices[0].message.content


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
@pytest.mark.rule("sdk_openai", "error_code")
def test_sdk_error_classes(request: pytest.FixtureRequest, target: Target, contract_transport: ContractTransport,
                           model: str, status: str) -> None:
    expected, code, error_code = ERRORS[status]
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
        with pytest.raises(openai.APIStatusError) as caught:
            for _ in range(2 if status == "429" else 1):  # the 1-RPM key may let one request through first
                client.chat.completions.create(model=model_id, messages=messages)
    finally:
        client.close()
    error = caught.value
    assert isinstance(error, expected), f"{status}: the SDK raised {type(error).__name__}, expected {expected.__name__}"
    assert error.status_code == code, f"status {error.status_code}, expected {code}"
    if error_code:
        assert error.code == error_code, f"error.code {error.code!r}, expected {error_code!r}"
