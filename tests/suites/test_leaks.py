"""The leak patterns (true positives for real providers and the mocks, no false positives on what a
gateway may say), and the contract transport scanning every response it passes."""

from __future__ import annotations

import json
import secrets
from typing import Any

import httpx
import pytest

from suites import leaks
from suites.checks import CheckFailure
from suites.contract import load_contract
from suites.recorder import Recorder
from suites.transport import ContractTransport

LEAKS = {
    "openai host": "upstream https://api.openai.com/v1/chat/completions returned 500",
    "anthropic host": "POST api.anthropic.com failed",
    "deepseek host": "connect error: api.deepseek.com:443",
    "dashscope host": "https://dashscope-intl.aliyuncs.com/compatible-mode/v1 timed out",
    "bedrock host": "bedrock-runtime.us-east-1.amazonaws.com refused",
    "volcengine host": "ark.cn-beijing.volces.com said no",
    "deepgram host": "api.deepgram.com/v1/listen",
    "exa host": "api.exa.ai/search",
    "google host": "generativelanguage.googleapis.com/v1beta/models",
    "gptzero host": "api.gptzero.me/v2/predict/text",
    "kling host": "api-singapore.klingai.com/v1/videos",
    "linkup host": "api.linkup.so/v1/search",
    "manus host": "api.manus.ai/v1/tasks",
    "minimax host": "api.minimax.io/v1/text/chatcompletion_v2",
    "mistral host": "api.mistral.ai/v1/chat/completions",
    "perplexity host": "api.perplexity.ai/chat/completions",
    "pixverse host": "app-api.pixverse.ai/openapi/v2",
    "stability host": "api.stability.ai/v2beta",
    "tavily host": "api.tavily.com/search",
    "tencent host": "hunyuan.tencentcloudapi.com",
    "openai request id": "request id req_9f2b6c1d0e4a4b7f8c3d2e1f0a9b8c7d",
    "anthropic request id": "request_id: req_011CSHoEeqs5C35K2UUqR7Fy",
    "anthropic key": "invalid x-api-key sk-ant-api03-abcdefghijklmnop",
    "openai key": "Incorrect API key provided: sk-proj-abcdefghijklmnopqrstuvwx",
    "google key": "key=AIzaSyA1234567890abcdefghijklmnopqrstuv",
    "aws key": "AKIAIOSFODNN7EXAMPLE",
    "mock host": "failed (request req_openai_0a1b on openai.mock-upstream.internal)",
    "mock key": "key sk-mock-deepseek",
    "loopback": "connect to 127.0.0.1:9102 failed",
    "localhost": "http://localhost:8080/x",
    "cluster dns": "upstream-openai.llm.svc.cluster.local",
    "private address": "dial tcp 10.0.3.7:8443: refused",
    "traceback": "Traceback (most recent call last):",
}

CLEAN = [
    "a clean message",
    "The capital of France is Paris.",
    '{"error": {"message": "Invalid API key", "type": "authentication_error", "code": "invalid_api_key"}}',
    "see https://docs.empiriolabs.ai/authentication for keys",
    "model openai/gpt-5.2 by OpenAI, served through api.empiriolabs.ai",
    "request req_0123456789abcdef01234567",  # the gateway's own id shape (D-33)
    "version 10.0.3.7 of the parser",  # a version number, no port
    "tasks are ask-and-answer; sk-short",
]


@pytest.mark.parametrize("case", list(LEAKS))
def test_leak_is_found(case: str) -> None:
    text = LEAKS[case]
    found = leaks.scan_text(text, "body")
    assert found, f"{case}: nothing found in {text!r}"
    with pytest.raises(CheckFailure, match="no_upstream_leak"):
        leaks.no_leaks(text)


@pytest.mark.parametrize("text", CLEAN)
def test_no_false_positive(text: str) -> None:
    assert leaks.scan_text(text, "body") == []
    leaks.no_leaks(text)


def test_gateway_request_id_and_own_origin_are_not_leaks() -> None:
    headers = [("x-request-id", "req_" + secrets.token_hex(12)), ("request-id", "req_" + secrets.token_hex(12)),
               ("location", "http://127.0.0.1:8123/v1/models"), ("content-type", "application/json")]
    assert leaks.scan_headers(headers, own_host="127.0.0.1:8123") == []


def test_what_the_request_carried_is_not_a_leak() -> None:
    key = "sk-empiriolabs-" + secrets.token_urlsafe(32)
    sent = json.dumps({"messages": [{"role": "user", "content": "repeat api.openai.com"}]}) + " Bearer " + key
    assert leaks.scan_text(f"you said api.openai.com with {key}", "body", sent=sent) == []
    assert leaks.scan_text(f"another key: sk-empiriolabs-{secrets.token_urlsafe(32)}", "body", sent=sent)


@pytest.mark.parametrize("header", [
    ("openai-organization", "org-abc"), ("openai-project", "proj_1"), ("openai-processing-ms", "231"),
    ("anthropic-organization-id", "b2a4"), ("x-envoy-upstream-service-time", "87"),
    ("x-litellm-model-api-base", "http://127.0.0.1:9101"), ("llm_provider-x-request-id", "abc"),
    ("x-upstream", "https://api.deepseek.com"), ("x-served-by", "https://upstream.example.net/v1"),
    ("x-request-id", "req_9f2b6c1d0e4a4b7f8c3d2e1f0a9b8c7d"), ("x-ms-deployment-name", "gpt4o-eastus"),
    ("azureml-model-session", "d2-7"), ("apim-request-id", "1c2d"), ("cf-aig-cache-status", "MISS"),
])
def test_upstream_header_is_found(header: tuple[str, str]) -> None:
    found = leaks.scan_headers([header], own_host="gateway.test")
    assert found, f"nothing found in {header}"
    if found[0].kind == "URL of another host":  # needs the gateway's own host, which no_leaks does not know
        return
    with pytest.raises(CheckFailure, match="no_upstream_leak"):
        leaks.no_leaks(httpx.Headers([header]))


def test_cut_keeps_one_line() -> None:
    assert leaks.cut("a\nb   c") == "a b c"
    long = leaks.cut("x" * 500, 50)
    assert len(long) == 50 and long.endswith("…")


def _transport(handler: Any) -> tuple[httpx.Client, Recorder]:
    recorder = Recorder()
    transport = ContractTransport(load_contract(), recorder, httpx.MockTransport(handler))
    return httpx.Client(base_url="http://gateway.test", transport=transport), recorder


CHAT_ANSWER = {"id": "chatcmpl-1", "object": "chat.completion", "created": 1, "model": "m",
               "choices": [{"index": 0, "message": {"role": "assistant", "content": "hi"}, "finish_reason": "stop"}],
               "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2}}


def test_transport_flags_a_leaking_header_on_a_success() -> None:
    client, recorder = _transport(lambda r: httpx.Response(200, json=CHAT_ANSWER,
                                                           headers={"openai-organization": "org-x"}))
    client.post("/v1/chat/completions", json={"model": "m", "messages": []})
    assert any("upstream header" in v.message and "openai-organization" in v.message for v in recorder.violations)
    assert recorder.exchanges and recorder.exchanges[0].findings


@pytest.mark.parametrize("status", [500, 401, 429])
def test_transport_names_the_leak_in_an_error_body(status: int) -> None:
    body = {"error": {"message": "upstream api.anthropic.com said req_011CSHoEeqs5C35K2UUqR7Fy",
                      "type": "api_error", "code": "upstream_error", "param": None}}
    client, recorder = _transport(lambda r: httpx.Response(status, json=body))
    client.post("/v1/chat/completions", json={"model": "m", "messages": []})
    kinds = " ".join(v.message for v in recorder.violations)
    assert "provider API host" in kinds and "Anthropic request id" in kinds, kinds


def test_transport_scans_stream_events_and_undocumented_paths() -> None:
    stream = (b'data: {"id":"c","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,'
              b'"delta":{"content":"see api.mistral.ai"},"finish_reason":null}]}\n\ndata: [DONE]\n\n')
    client, recorder = _transport(lambda r: httpx.Response(200, content=iter([stream[:70], stream[70:]]),
                                                           headers={"content-type": "text/event-stream"}))
    with client.stream("POST", "/v1/chat/completions", json={"model": "m", "messages": [], "stream": True}) as r:
        r.read()
    assert any("stream event 1" in v.message for v in recorder.violations), recorder.violations
    assert [name for name, _ in recorder.exchanges[0].events] == ["message", "message"]

    client, recorder = _transport(lambda r: httpx.Response(404, text="no route; Traceback (most recent call last):"))
    client.get("/nowhere")
    assert recorder.violations and recorder.violations[0].operation == "GET /nowhere"


def test_exchange_redacts_keys() -> None:
    key = "sk-empiriolabs-" + secrets.token_urlsafe(32)
    client, recorder = _transport(lambda r: httpx.Response(200, json=CHAT_ANSWER))
    client.post("/v1/chat/completions", json={"model": "m", "messages": []}, headers={"authorization": f"Bearer {key}"})
    text = recorder.exchanges[0].transcript()
    assert key not in text and f"Bearer [redacted …{key[-4:]}]" in text
    assert "POST http://gateway.test/v1/chat/completions" in text and '"finish_reason": "stop"' in text


def test_raises_names_the_wrong_exception() -> None:
    from suites.raises import raises

    with raises(KeyError) as caught:
        raise KeyError("x")
    assert isinstance(caught.value, KeyError)
    wrong = r"^\[sdk_error_class\] \([^)]*\) .*the SDK raised ValueError \(boom\), expected KeyError$"
    with pytest.raises(CheckFailure, match=wrong), raises(KeyError):
        raise ValueError("boom")
    with pytest.raises(CheckFailure, match="raised nothing, expected KeyError or TypeError"), raises((KeyError, TypeError)):
        pass
