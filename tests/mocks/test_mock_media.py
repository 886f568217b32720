"""The mocks accept media parts, log one acknowledgement per part and refuse malformed ones (D-60)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

PNG = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
WAV = "UklGRiQAAABXQVZFZm10IBAAAAABAAEAQB8AAIA+AAACABAAZGF0YQAAAAA="
PDF = "JVBERi0xLjQKJSVFT0YK"


def _last_media(client: httpx.Client) -> Any:
    return client.get("/__mock__/requests").json()["requests"][-1].get("media")


def _chat(*parts: dict[str, Any]) -> dict[str, Any]:
    return {"model": "m", "messages": [{"role": "user", "content": [{"type": "text", "text": "Look"}, *parts]}]}


def test_openai_parts_are_acknowledged(openai_client: httpx.Client) -> None:
    body = _chat({"type": "image_url", "image_url": {"url": f"data:image/png;base64,{PNG}"}},
                 {"type": "input_audio", "input_audio": {"data": WAV, "format": "wav"}},
                 {"type": "video_url", "video_url": {"url": "https://example.com/clip.mp4"}},
                 {"type": "file", "file": {"file_data": f"data:application/pdf;base64,{PDF}", "filename": "a.pdf"}})
    assert openai_client.post("/v1/chat/completions", json=body).status_code == 200
    assert [(m["kind"], m["source"], m["media_type"], m["where"]) for m in _last_media(openai_client)] == [
        ("image", "data", "image/png", "messages[0].content[1]"), ("audio", "data", "audio/wav", "messages[0].content[2]"),
        ("video", "url", None, "messages[0].content[3]"), ("file", "data", "application/pdf", "messages[0].content[4]"),
    ]


@pytest.mark.parametrize("part", [
    {"type": "image_url", "image_url": {"url": "data:image/png;base64,@@@"}},
    {"type": "image_url", "image_url": {"url": f"data:text/plain;base64,{PNG}"}},
    {"type": "image_url", "image_url": {"url": "bunny://u/x.png"}},
    {"type": "input_audio", "input_audio": {"data": WAV, "format": "aiff"}},
    {"type": "file", "file": {"file_data": PDF}},
], ids=["bad-base64", "wrong-type", "not-a-url", "audio-format", "bare-file-data"])
@pytest.mark.parametrize("name", ["openai", "deepseek"])
def test_openai_malformed_parts_are_400(mock_clients: dict[str, httpx.Client], name: str, part: dict[str, Any]) -> None:
    response = mock_clients[name].post("/v1/chat/completions", json=_chat(part))
    assert response.status_code == 400 and response.json()["error"]["param"].startswith("messages[0].content[1]")


def _messages(*blocks: dict[str, Any]) -> dict[str, Any]:
    return {"model": "m", "max_tokens": 64,
            "messages": [{"role": "user", "content": [*blocks, {"type": "text", "text": "Look"}]}]}


def test_anthropic_blocks_are_acknowledged(anthropic_client: httpx.Client) -> None:
    body = _messages({"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": PNG}},
                     {"type": "image", "source": {"type": "url", "url": "https://example.com/a.png"}},
                     {"type": "document", "source": {"type": "base64", "media_type": "application/pdf", "data": PDF}},
                     {"type": "document", "source": {"type": "text", "media_type": "text/plain", "data": "notes"}})
    assert anthropic_client.post("/v1/messages", json=body).status_code == 200
    assert [(m["kind"], m["source"], m["media_type"]) for m in _last_media(anthropic_client)] == [
        ("image", "data", "image/png"), ("image", "url", None), ("file", "data", "application/pdf"),
        ("file", "data", "text/plain"),
    ]


@pytest.mark.parametrize("block", [
    {"type": "image", "source": {"type": "base64", "media_type": "image/bmp", "data": PNG}},
    {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": "@@@"}},
    {"type": "image", "source": {"type": "url", "url": f"data:image/png;base64,{PNG}"}},
    {"type": "document", "source": {"type": "base64", "media_type": "text/csv", "data": PDF}},
], ids=["image-type", "bad-base64", "data-url-as-url", "document-type"])
def test_anthropic_malformed_blocks_are_400(anthropic_client: httpx.Client, block: dict[str, Any]) -> None:
    response = anthropic_client.post("/v1/messages", json=_messages(block))
    assert response.status_code == 400 and "messages" in response.json()["error"]["message"]
