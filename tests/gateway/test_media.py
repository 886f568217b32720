"""Media parts: decoded from each format's shapes into the IR, checked against the model (D-57 – D-59),
and encoded per upstream family (Chat Completions parts, Anthropic blocks)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from gateway.catalog import load_catalog
from gateway.config import Settings
from gateway.errors import InvalidRequest
from gateway.formats.anthropic_messages.decode import decode_messages
from gateway.formats.openai_chat.decode import decode_chat
from gateway.formats.openai_responses.decode import decode_responses
from gateway.ir import MediaPart
from gateway.upstreams.anthropic import media_block
from gateway.upstreams.openai_compat import chat_part

CATALOG = load_catalog(Settings().catalog_path)
OMNI, TEXT_ONLY, CLAUDE = "qwen3-5-omni-flash", "qwen3-max", "claude-haiku-4-5-20251001"
PNG = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
WAV = "UklGRiQAAABXQVZFZm10IBAAAAABAAEAQB8AAIA+AAACABAAZGF0YQAAAAA="
PDF = "JVBERi0xLjQKJSVFT0YK"


def _chat(model: str, *parts: dict[str, Any]) -> list[MediaPart]:
    body = {"model": model, "messages": [{"role": "user", "content": [{"type": "text", "text": "Look"}, *parts]}]}
    return decode_chat(json.dumps(body).encode(), CATALOG).messages[0].media


def _responses(model: str, *parts: dict[str, Any]) -> list[MediaPart]:
    body = {"model": model, "input": [{"role": "user", "content": [{"type": "input_text", "text": "Look"}, *parts]}]}
    return decode_responses(json.dumps(body).encode(), CATALOG).messages[0].media


def _messages(model: str, *blocks: dict[str, Any]) -> list[MediaPart]:
    body = {"model": model, "max_tokens": 64,
            "messages": [{"role": "user", "content": [{"type": "text", "text": "Look"}, *blocks]}]}
    return decode_messages(json.dumps(body).encode(), CATALOG).messages[0].media


def _seen(parts: list[MediaPart]) -> list[tuple[str, str, str | None, str]]:
    return [(p.kind, p.source, p.media_type, p.where) for p in parts]


def test_chat_parts_decode() -> None:
    parts = _chat(OMNI, {"type": "image_url", "image_url": {"url": f"data:image/png;base64,{PNG}", "detail": "low"}},
                  {"type": "input_audio", "input_audio": {"data": WAV, "format": "mp3"}},
                  {"type": "video_url", "video_url": {"url": "https://example.com/v.mp4"}})
    assert _seen(parts) == [("image", "data", "image/png", "messages[0].content[1]"),
                            ("audio", "data", "audio/mpeg", "messages[0].content[2]"),
                            ("video", "url", None, "messages[0].content[3]")]
    assert parts[0].value == PNG and parts[0].detail == "low" and parts[1].format == "mp3"


def test_responses_parts_decode() -> None:
    parts = _responses(OMNI, {"type": "input_image", "image_url": "https://example.com/a.png", "detail": "auto"},
                       {"type": "input_audio", "input_audio": {"data": WAV, "format": "wav"}})
    assert _seen(parts) == [("image", "url", None, "input[0].content[1]"), ("audio", "data", "audio/wav", "input[0].content[2]")]


def test_anthropic_blocks_decode() -> None:
    parts = _messages(CLAUDE, {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": PNG}},
                      {"type": "image", "source": {"type": "url", "url": "https://example.com/a.png"}})
    assert _seen(parts) == [("image", "data", "image/png", "messages[0].content[1]"),
                            ("image", "url", None, "messages[0].content[2]")]


def _refused(call: Any, *args: Any) -> InvalidRequest:
    with pytest.raises(InvalidRequest) as caught:
        call(*args)
    return caught.value


@pytest.mark.parametrize(("decode", "part", "where"), [
    (_chat, {"type": "image_url", "image_url": {"url": "https://example.com/a.png"}}, "messages[0].content[1]"),
    (_responses, {"type": "input_image", "image_url": "https://example.com/a.png"}, "input[0].content[1]"),
    (_messages, {"type": "image", "source": {"type": "url", "url": "https://example.com/a.png"}}, "messages[0].content[1]"),
], ids=["chat", "responses", "messages"])
def test_a_kind_the_model_does_not_take_is_400_naming_the_part(decode: Any, part: dict[str, Any], where: str) -> None:
    error = _refused(decode, TEXT_ONLY, part)
    assert (error.status, error.code, error.param) == (400, "unsupported_parameter", where)
    assert where in error.message and "image" in error.message


@pytest.mark.parametrize("url", ["data:image/png;base64,@@@", "data:image/png,raw", f"data:text/plain;base64,{PNG}",
                                 "data:;base64,AAAA", "ftp://example.com/a.png", "data:image/png;base64,"],
                         ids=["bad-base64", "not-base64", "wrong-kind", "no-type", "scheme", "empty"])
def test_malformed_media_is_400_naming_the_part(url: str) -> None:
    error = _refused(_chat, OMNI, {"type": "image_url", "image_url": {"url": url}})
    assert (error.code, error.param) == ("invalid_parameter", "messages[0].content[1]")


def test_bunny_paths_and_file_ids_are_left_for_resolution() -> None:
    """D-83: decoding keeps them as references; the route resolves them against the account's files
    (``tests/gateway/test_files.py``)."""
    for decode, part, source in ((_chat, {"type": "image_url", "image_url": {"url": "bunny://u/x.png"}}, "bunny"),
                                 (_responses, {"type": "input_image", "file_id": "file-abc"}, "file_id"),
                                 (_messages, {"type": "image", "source": {"type": "file", "file_id": "file_abc"}},
                                  "file_id")):
        parts = decode(CLAUDE if decode is _messages else OMNI, part)
        assert [p.source for p in parts] == [source]


def test_anthropic_family_refuses_what_its_wire_cannot_carry() -> None:
    error = _refused(_chat, CLAUDE, {"type": "image_url", "image_url": {"url": f"data:image/bmp;base64,{PNG}"}})
    assert (error.code, error.param) == ("unsupported_file_type", "messages[0].content[1]")


def test_files_are_refused_while_no_model_lists_them() -> None:
    error = _refused(_chat, OMNI, {"type": "file", "file": {"file_data": f"data:application/pdf;base64,{PDF}"}})
    assert error.code == "unsupported_parameter" and "file" in error.message


def test_chat_encoding_per_kind() -> None:
    image = MediaPart("image", "data", PNG, "w", "image/png", detail="high")
    audio = MediaPart("audio", "data", WAV, "w", "audio/mpeg")
    video = MediaPart("video", "url", "https://example.com/v.mp4", "w")
    file = MediaPart("file", "data", PDF, "w", "application/pdf", filename="a.pdf")
    assert chat_part(image) == {"type": "image_url", "image_url": {"url": f"data:image/png;base64,{PNG}", "detail": "high"}}
    assert chat_part(audio) == {"type": "input_audio", "input_audio": {"data": WAV, "format": "mp3"}}
    assert chat_part(video) == {"type": "video_url", "video_url": {"url": "https://example.com/v.mp4"}}
    assert chat_part(file) == {"type": "file", "file": {"file_data": f"data:application/pdf;base64,{PDF}",
                                                        "filename": "a.pdf"}}


def test_anthropic_encoding_per_kind() -> None:
    assert media_block(MediaPart("image", "data", PNG, "w", "image/png")) == {
        "type": "image", "source": {"type": "base64", "media_type": "image/png", "data": PNG}}
    assert media_block(MediaPart("image", "url", "https://example.com/a.png", "w")) == {
        "type": "image", "source": {"type": "url", "url": "https://example.com/a.png"}}
    assert media_block(MediaPart("file", "data", PDF, "w", "application/pdf", filename="a.pdf")) == {
        "type": "document", "source": {"type": "base64", "media_type": "application/pdf", "data": PDF}, "title": "a.pdf"}
    assert media_block(MediaPart("file", "data", "bm90ZXM=", "w", "text/plain"))["source"] == {
        "type": "text", "media_type": "text/plain", "data": "notes"}
