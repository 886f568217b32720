"""The official ``anthropic`` SDK as a real client of the deployment's ``/v1/messages``.

The SDK sends ``x-api-key`` and ``anthropic-version`` and adds ``/v1`` to the base URL itself. Its HTTP
client runs over the session's contract transport, so everything it receives is validated like the
suites' own requests; ``max_retries=0``, since a retry would hide the status the deployment answered.
"""

from __future__ import annotations

import secrets
from typing import Any

import anthropic
import pytest

from suites import tools
from suites.anthropic_stream import plain_model, reasoners, reasoning_extra, tool_models
from suites.checks import holds
from suites.client import ApiClient
from suites.discovery import Discovery, param_names
from suites.plugin import Target
from suites.raises import raises
from suites.sdk import anthropic_client
from suites.selection import owner_first
from suites.transport import ContractTransport

HELLO: Any = [{"role": "user", "content": "Say hello in one short sentence."}]
WEATHER: Any = tools.SDK_WEATHER.messages()


@pytest.fixture
def model(api: ApiClient, discovery: Discovery) -> str:
    return str(plain_model(discovery, api)["id"])


def _text(message: Any) -> str:
    return "".join(block.text for block in message.content if block.type == "text")


@pytest.mark.rule("sdk_anthropic", "response_id_prefix", "model_echoed")
def test_sdk_messages_create(anthropic_sdk: anthropic.Anthropic, model: str) -> None:
    message = anthropic_sdk.messages.create(model=model, max_tokens=1024, messages=HELLO)
    holds("response_id_prefix", bool(message.id.startswith("msg_")),
          str(message.id))
    holds("model_echoed", message.model == model, f"model {model!r}, got {message.model!r}")
    holds("messages_assistant_role", message.role == "assistant", f"role assistant, got {message.role!r}")
    holds("stop_reason", bool(message.stop_reason == "end_turn"),
          f"stop_reason {message.stop_reason!r}")
    holds("text_block", bool(_text(message).strip()),
          f"no text block in {[b.type for b in message.content]}")
    holds("messages_usage_positive", bool(message.usage.input_tokens > 0 and message.usage.output_tokens > 0),
          str(message.usage))


@pytest.mark.parametrize("kind", ["plain", "reasoner"])
@pytest.mark.rule("sdk_anthropic", "thinking_before_text")
def test_sdk_messages_stream(anthropic_sdk: anthropic.Anthropic, api: ApiClient, discovery: Discovery, kind: str) -> None:
    chosen = plain_model(discovery, api) if kind == "plain" else reasoners(discovery, api)[0]
    extra = reasoning_extra(chosen) if kind == "reasoner" else {}
    kwargs: dict[str, Any] = {"max_tokens": extra.pop("max_tokens", 1024)}
    if "thinking" in extra:
        kwargs["thinking"] = extra.pop("thinking")
    if extra:
        kwargs["extra_body"] = extra
    with anthropic_sdk.messages.stream(model=chosen["id"], messages=HELLO, **kwargs) as stream:
        text = "".join(stream.text_stream)
        final = stream.get_final_message()
    holds("text_block", bool(text.strip()),
          "the SDK's text_stream yielded no text")
    holds("sdk_anthropic", bool(_text(final) == text),
          f"get_final_message() text {_text(final)!r:.120} != the streamed text {text!r:.120}")
    holds("stop_reason", bool(final.stop_reason == "end_turn"),
          f"final stop_reason {final.stop_reason!r}")
    holds("model_echoed", bool(final.model == chosen["id"]),
          'expected final.model == chosen["id"]')
    holds("messages_usage_positive", bool(final.usage.output_tokens > 0),
          str(final.usage))
    if kind == "reasoner":
        kinds = [b.type for b in final.content]
        holds("sdk_anthropic", bool("thinking" in kinds and kinds.index("thinking") < kinds.index("text")),
              f"content blocks {kinds}")
        thinking = next(b for b in final.content if b.type == "thinking")
        holds("thinking_signature", bool(thinking.thinking.strip() and thinking.signature),
              "the thinking block lacks text or signature")


@pytest.mark.parametrize("stream", [False, True], ids=["non-stream", "stream"])
@pytest.mark.rule("sdk_anthropic", "messages_tool_choice", "tool_round_trip")
def test_sdk_tool_use(anthropic_sdk: anthropic.Anthropic, api: ApiClient, discovery: Discovery, stream: bool) -> None:
    chosen = min(tool_models(discovery, api), key=owner_first("anthropic"))
    ask: Any = [{"role": "user", "content": "What is the weather in Paris? Use the get_weather tool."}]
    kwargs: Any = {"model": chosen["id"], "max_tokens": 1024, "tools": [WEATHER], "tool_choice": {"type": "any"}}
    if stream:
        with anthropic_sdk.messages.stream(messages=ask, **kwargs) as events:
            first = events.get_final_message()
    else:
        first = anthropic_sdk.messages.create(messages=ask, **kwargs)
    holds("messages_tool_choice", bool(first.stop_reason == "tool_use"),
          f"stop_reason {first.stop_reason!r}")
    uses = [b for b in first.content if b.type == "tool_use"]
    holds("messages_tool_choice", bool(uses and uses[0].name == "get_weather"),
          f"content blocks {[b.type for b in first.content]}")
    holds("messages_tool_choice", bool(isinstance(uses[0].input, dict) and {"location", "unit"} <= set(uses[0].input)),
          f"input {uses[0].input!r}")
    history: Any = [*ask, {"role": "assistant", "content": first.content},
                    {"role": "user", "content": [{"type": "tool_result", "tool_use_id": u.id, "content": "Sunny, 21 degrees"}
                                                 for u in uses]}]
    second = anthropic_sdk.messages.create(model=chosen["id"], max_tokens=1024, tools=[WEATHER], messages=history)
    holds("tool_round_trip", bool(second.stop_reason == "end_turn"),
          f"after the tool result: stop_reason {second.stop_reason!r}")
    holds("tool_round_trip", bool(_text(second).strip()),
          "no text after the tool result")


ERRORS: dict[str, tuple[type[Exception], str | None]] = {
    "401-authentication": (anthropic.AuthenticationError, None),
    "404-not-found": (anthropic.NotFoundError, None),
    "400-bad-request": (anthropic.BadRequestError, None),
    "402-payment-required": (getattr(anthropic, "PaymentRequiredError", anthropic.APIStatusError), "zero_credit_key"),
    "429-rate-limit": (anthropic.RateLimitError, "rate_limited_key"),
}


@pytest.mark.parametrize("case", list(ERRORS))
@pytest.mark.rule("sdk_anthropic", "anthropic_error_type")
def test_sdk_error_classes(target: Target, contract_transport: ContractTransport, model: str,
                           request: pytest.FixtureRequest, case: str) -> None:
    expected, fixture = ERRORS[case]
    key = request.getfixturevalue(fixture) if fixture else None
    if case.startswith("401"):
        key = "sk-empiriolabs-" + secrets.token_urlsafe(32)
    client = anthropic_client(target, contract_transport, key)
    kwargs: Any = {"model": model, "max_tokens": 16, "messages": HELLO}
    if case.startswith("404"):
        kwargs["model"] = f"no-such-model-{secrets.token_hex(4)}"
    if case.startswith("400"):
        kwargs["max_tokens"] = 0
    try:
        with raises(expected) as caught:
            for _ in range(2):  # a 1-request-per-minute key may still let the first request through
                client.messages.create(**kwargs)
        error: Any = caught.value
        status = int(case.split("-")[0])
        holds("sdk_anthropic", bool(error.status_code == status),
              f"{type(error).__name__} with status {error.status_code}, expected {status}")
        body = error.body if isinstance(error.body, dict) else {}
        holds("anthropic_error_type", bool((body.get("error") or body).get("type")),
              f"the SDK found no Anthropic error type in {error.body!r:.200}")
    finally:
        client.close()


@pytest.mark.parametrize("stream", [False, True], ids=["non-stream", "stream"])
@pytest.mark.rule("sdk_anthropic", "signed_thinking_passed_back", "tool_round_trip")
def test_sdk_thinking_tool_loop(anthropic_sdk: anthropic.Anthropic, discovery: Discovery, stream: bool) -> None:
    """Issue #8: Claude extended thinking in a two-round tool loop through the SDK as a plain client: each
    assistant turn is sent back as the SDK returned it (thinking block with its signature first), and each
    tool result is answered (Anthropic requires the signed thinking block back during tool use)."""
    found = [m for m in discovery.serving("/v1/messages") if "thinking" in param_names(m)
             and (m.get("capabilities") or {}).get("thinking") and discovery.calls_tools(m, "/v1/messages")]
    chosen = min(found, key=lambda m: m["id"]) if found else pytest.skip("no Claude thinker that calls tools")
    kwargs: Any = {"model": chosen["id"], "max_tokens": 2048, "tools": [WEATHER],
                   "thinking": {"type": "enabled", "budget_tokens": 1024}}
    history: Any = []
    for city in ("Paris", "London"):
        history.append({"role": "user", "content": f"What is the weather in {city}? Use the get_weather tool."})
        if stream:
            with anthropic_sdk.messages.stream(messages=history, **kwargs) as events:
                first = events.get_final_message()
        else:
            first = anthropic_sdk.messages.create(messages=history, **kwargs)
        kinds = [b.type for b in first.content]
        holds("signed_thinking_passed_back", bool(kinds[:1] == ["thinking"] and "tool_use" in kinds
                                                  and all(getattr(b, "signature", "") for b in first.content
                                                          if b.type == "thinking")),
              f"{city}: a signed thinking block, then a tool_use: {kinds}")
        history += [{"role": "assistant", "content": first.content},
                    {"role": "user", "content": [{"type": "tool_result", "tool_use_id": b.id, "content": "Sunny, 21 degrees"}
                                                 for b in first.content if b.type == "tool_use"]}]
        answer = anthropic_sdk.messages.create(messages=history, **kwargs)
        holds("tool_round_trip", bool(answer.stop_reason == "end_turn" and _text(answer).strip()),
              f"{city}: after the tool result, stop_reason {answer.stop_reason!r}")
        history.append({"role": "assistant", "content": answer.content})
