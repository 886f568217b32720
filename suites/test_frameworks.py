"""Widely used agent frameworks as plain clients: LangChain's ``ChatOpenAI`` (Chat Completions, and Responses
with ``use_responses_api``) and ``ChatAnthropic`` (Messages), configured only with the base URL and key.

The docs promise that existing integrations work unchanged (``009``: each endpoint "accepts the same request
body as" the OpenAI or Anthropic API); these clients send what they send to the real APIs and parse the answers
with their own models, so a field they rely on that is missing, or a request shape they use that is refused,
fails here. Their HTTP runs over the session's contract transport, so every answer is also validated and
leak-scanned. The module is skipped, saying so, when the ``frameworks`` extra is not installed.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from suites import tools
from suites.anthropic_stream import plain_model as messages_model
from suites.anthropic_stream import reasoners as messages_reasoners
from suites.anthropic_stream import tool_models as messages_tool_models
from suites.chat import need
from suites.checks import expect
from suites.client import ApiClient
from suites.discovery import Discovery, param_names
from suites.plugin import Target
from suites.responses_stream import plain_model as responses_model
from suites.responses_stream import tool_models as responses_tool_models
from suites.rules import register
from suites.sdk import SharedTransport, anthropic_client
from suites.selection import owner_first
from suites.transport import ContractTransport

langchain_openai = pytest.importorskip(
    "langchain_openai", reason="LangChain is not installed (pip install 'empirio-conformance[frameworks]')")
langchain_anthropic = pytest.importorskip(
    "langchain_anthropic", reason="LangChain is not installed (pip install 'empirio-conformance[frameworks]')")
messages_lc = pytest.importorskip("langchain_core.messages")

_PAGE = "docs:openai-and-anthropic-compatibility#"
register("langchain_chat", _PAGE + "openai-compatible-chat-completions",
         "LangChain's ChatOpenAI works against the base URL: answers, streams and tool loops parse")
register("langchain_responses", _PAGE + "openai-responses-compatible-endpoint",
         "LangChain's ChatOpenAI with use_responses_api works against the base URL, tool loops included")
register("langchain_messages", _PAGE + "anthropic-style-messages-endpoint",
         "LangChain's ChatAnthropic works against the base URL: answers, streams, tool loops and thinking")

RESULT = "Sunny, 21 degrees"
HELLO = "Say hello in one short sentence."
ASK = "What is the weather in Paris? Use the get_weather tool."
WEATHER: Any = tools.SDK_WEATHER.chat()
TIMEOUT = 60


@pytest.fixture
def http_client(contract_transport: ContractTransport) -> Iterator[httpx.Client]:
    with httpx.Client(transport=SharedTransport(contract_transport), timeout=TIMEOUT) as client:
        yield client


def _chat_openai(target: Target, http_client: httpx.Client, model: str, **settings: Any) -> Any:
    return langchain_openai.ChatOpenAI(model=model, api_key=target.api_key, base_url=f"{target.base_url}/v1",
                                       max_retries=0, http_client=http_client, **settings)


def _chat_anthropic(target: Target, contract_transport: ContractTransport, model: str, **settings: Any) -> Any:
    """A ``ChatAnthropic`` whose SDK client is the session's (ChatAnthropic takes no HTTP client of its own:
    its cached ``_client`` is set before first use, so its requests still pass the contract transport)."""
    llm = langchain_anthropic.ChatAnthropic(model=model, api_key=target.api_key, base_url=target.base_url,
                                            max_retries=0, **settings)
    llm.__dict__["_client"] = anthropic_client(target, contract_transport)
    return llm


def _text(message: Any) -> str:
    content = message.content
    if isinstance(content, str):
        return content
    return "".join(b.get("text", "") for b in content if isinstance(b, dict) and b.get("type") in ("text", None))


def _answered(rule: str, message: Any) -> None:
    expect(rule, bool(_text(message).strip()), "a non-empty text answer", message.content)
    usage = message.usage_metadata or {}
    expect(rule, usage.get("input_tokens", 0) > 0 and usage.get("output_tokens", 0) > 0,
           "usage_metadata with input and output tokens", usage)


def _tool_loop(rule: str, llm: Any) -> None:
    """Forced tool call, the tool's result sent back as LangChain does, then a text answer."""
    bound = llm.bind_tools([WEATHER], tool_choice="any")
    history: list[Any] = [messages_lc.HumanMessage(ASK)]
    first = bound.invoke(history)
    expect(rule, bool(first.tool_calls) and first.tool_calls[0]["name"] == "get_weather",
           "a get_weather tool call", first.tool_calls or first.content)
    history += [first, *(messages_lc.ToolMessage(RESULT, tool_call_id=c["id"]) for c in first.tool_calls)]
    second = llm.bind_tools([WEATHER]).invoke(history)
    expect(rule, not second.tool_calls and bool(_text(second).strip()), "a text answer after the tool result",
           second.tool_calls or second.content)


def _answers(rule: str, llm: Any, stream: bool) -> None:
    """A one-turn answer, invoked or streamed (the chunks joined as LangChain joins them)."""
    if not stream:
        _answered(rule, llm.invoke(HELLO))
        return
    chunks = list(llm.stream(HELLO))
    joined = chunks[0]
    for chunk in chunks[1:]:
        joined = joined + chunk
    expect(rule, len(chunks) > 1, "more than one chunk", len(chunks))
    _answered(rule, joined)


@pytest.mark.parametrize("stream", [False, True], ids=["invoke", "stream"])
@pytest.mark.rule("langchain_chat")
def test_langchain_chat_openai(target: Target, http_client: httpx.Client, discovery: Discovery, stream: bool) -> None:
    model = str(need(discovery.plain_chat_model(), "chat model")["id"])
    _answers("langchain_chat", _chat_openai(target, http_client, model, stream_usage=True), stream)


@pytest.mark.rule("langchain_chat")
def test_langchain_chat_tool_loop(target: Target, http_client: httpx.Client, discovery: Discovery) -> None:
    pool = [m for m in discovery.tool_models() if not (m.get("capabilities") or {}).get("thinking")] \
        or discovery.tool_models()
    model = str(need(min(pool, key=owner_first("openai")) if pool else None, "tool-capable chat model")["id"])
    _tool_loop("langchain_chat", _chat_openai(target, http_client, model))


@pytest.mark.parametrize("stream", [False, True], ids=["invoke", "stream"])
@pytest.mark.rule("langchain_responses")
def test_langchain_responses(target: Target, http_client: httpx.Client, api: ApiClient, discovery: Discovery,
                             stream: bool) -> None:
    model = str(responses_model(discovery, api)["id"])
    _answers("langchain_responses", _chat_openai(target, http_client, model, use_responses_api=True), stream)


@pytest.mark.rule("langchain_responses")
def test_langchain_responses_tool_loop(target: Target, http_client: httpx.Client, api: ApiClient,
                                       discovery: Discovery) -> None:
    """LangChain sends the ``function_call`` items back with the ids the gateway returned (item and call id)."""
    model = str(min(responses_tool_models(discovery, api), key=owner_first("openai"))["id"])
    _tool_loop("langchain_responses", _chat_openai(target, http_client, model, use_responses_api=True))


@pytest.mark.rule("langchain_responses", "previous_response_continues")
def test_langchain_responses_previous_response_id(target: Target, http_client: httpx.Client, api: ApiClient,
                                                  discovery: Discovery) -> None:
    """``use_previous_response_id``: LangChain sends only what follows its last answer (here the tool result)
    with that answer's id as ``previous_response_id``; the stored response supplies the rest, so the tool
    loop completes although the call it answers is not in the request."""
    model = str(min(responses_tool_models(discovery, api), key=owner_first("openai"))["id"])
    llm = _chat_openai(target, http_client, model, use_responses_api=True, use_previous_response_id=True)
    first = llm.bind_tools([WEATHER], tool_choice="any").invoke([messages_lc.HumanMessage(ASK)])
    response_id = str(first.response_metadata.get("id") or "")
    expect("langchain_responses", response_id.startswith("resp_") and bool(first.tool_calls),
           "a stored response (id resp_…) with a tool call", (response_id, first.tool_calls))
    history = [messages_lc.HumanMessage(ASK), first,
               *(messages_lc.ToolMessage(RESULT, tool_call_id=c["id"]) for c in first.tool_calls)]
    second = llm.bind_tools([WEATHER]).invoke(history)
    expect("previous_response_continues", not second.tool_calls and bool(_text(second).strip()),
           "a text answer to the tool result sent with previous_response_id only", second.tool_calls or second.content)


@pytest.mark.parametrize("stream", [False, True], ids=["invoke", "stream"])
@pytest.mark.rule("langchain_messages")
def test_langchain_chat_anthropic(target: Target, contract_transport: ContractTransport, api: ApiClient,
                                  discovery: Discovery, stream: bool) -> None:
    llm = _chat_anthropic(target, contract_transport, str(messages_model(discovery, api)["id"]), max_tokens=256)
    _answers("langchain_messages", llm, stream)


@pytest.mark.rule("langchain_messages")
def test_langchain_anthropic_tool_loop(target: Target, contract_transport: ContractTransport, api: ApiClient,
                                       discovery: Discovery) -> None:
    model = str(min(messages_tool_models(discovery, api), key=owner_first("anthropic"))["id"])
    _tool_loop("langchain_messages", _chat_anthropic(target, contract_transport, model, max_tokens=512))


@pytest.mark.rule("langchain_messages", "thinking_before_text")
def test_langchain_anthropic_thinking(target: Target, contract_transport: ContractTransport, api: ApiClient,
                                      discovery: Discovery) -> None:
    """Extended thinking as LangChain asks for it (``thinking={type: enabled, budget_tokens}``): the answer's
    content blocks carry the thinking, with its signature, before the text."""
    chosen = [m for m in messages_reasoners(discovery, api) if "thinking" in param_names(m)]
    model = str(need(min(chosen, key=owner_first("anthropic")) if chosen else None,
                     "/v1/messages model taking thinking")["id"])
    llm = _chat_anthropic(target, contract_transport, model, max_tokens=2048,
                          thinking={"type": "enabled", "budget_tokens": 1024})
    answer = llm.invoke("Is 17 a prime number? Answer briefly.")
    blocks = [b for b in answer.content if isinstance(b, dict)] if isinstance(answer.content, list) else []
    kinds = [b.get("type") for b in blocks]
    expect("thinking_before_text", "thinking" in kinds and "text" in kinds and kinds.index("thinking") < kinds.index("text"),
           "a thinking block before the text", kinds)
    thinking = blocks[kinds.index("thinking")]
    expect("langchain_messages", bool(thinking.get("thinking")) and bool(thinking.get("signature")),
           "thinking text and signature", thinking)
