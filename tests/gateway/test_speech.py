"""The speech adapter (content type and WAV checks, usage headers, the upstream body) and the route
(validation before any upstream call, the audio answer, billing), D-87 and D-88."""

from __future__ import annotations

import asyncio
import dataclasses
import io
import wave
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from gateway.app import create_app
from gateway.catalog import load_catalog
from gateway.config import Upstream, load_settings
from gateway.errors import UpstreamError
from gateway.ir.speech import SpeechRequest, SpeechResult
from gateway.security import digest, new_key
from gateway.upstreams.speech import SpeechUpstream
from mocks.audio import samples, wav
from tests.blocking import blocking

UPSTREAM = Upstream("http://audio.invalid", "sk-upstream-secret")
AUDIO = wav(samples("Hello from the lighthouse."))


class _FakeHTTP:
    def __init__(self, audio: bytes, content_type: str = "audio/wav") -> None:
        self.audio, self.content_type = audio, content_type
        self.sent: list[tuple[str, dict[str, Any]]] = []

    async def post_bytes(self, upstream: Upstream, path: str, body: dict[str, Any],
                         headers: dict[str, str]) -> tuple[bytes, str, dict[str, str]]:
        self.sent.append((upstream.base_url + path, body))
        return self.audio, self.content_type, {"x-usage-input-tokens": "5", "x-usage-output-tokens": "40"}


def _request(model_id: str = "gemini-2-5-flash-tts", fmt: str = "wav") -> SpeechRequest:
    model = load_catalog(load_settings(env={}).catalog_path).get(model_id)
    assert model is not None
    return SpeechRequest(model=model, text="Hello there.", voice="alloy", response_format=fmt)


def _speak(http: _FakeHTTP, request: SpeechRequest) -> SpeechResult:
    return asyncio.run(SpeechUpstream(http, UPSTREAM).speak(request))  # type: ignore[arg-type]


def test_the_upstream_gets_its_model_and_usage_is_read() -> None:
    http = _FakeHTTP(AUDIO)
    result = _speak(http, _request())
    assert http.sent[0][0] == "http://audio.invalid/v1/audio/speech"
    assert http.sent[0][1] == {"model": "gemini-2.5-flash-preview-tts", "input": "Hello there.", "voice": "alloy",
                               "response_format": "wav"}
    assert (result.audio, result.content_type, result.input_tokens, result.output_tokens) == (AUDIO, "audio/wav", 5, 40)


@pytest.mark.parametrize(("audio", "content_type"), [
    (AUDIO[: len(AUDIO) // 2], "audio/wav"), (AUDIO, "application/json"), (b"RIFF", "audio/wav"), (b"", "audio/wav"),
])
def test_a_truncated_or_mislabelled_answer_is_502(audio: bytes, content_type: str) -> None:
    with pytest.raises(UpstreamError):
        _speak(_FakeHTTP(audio, content_type), _request())


def test_costs_follow_the_catalogs_unit() -> None:
    assert _request().cost(1000, 1000) == Decimal("0.0315")
    glm = _request("glm-tts")
    assert glm.cost(0, 0) == Decimal("0.20") * len(glm.text) / 1000


class _Speaker:
    def __init__(self) -> None:
        self.calls: list[SpeechRequest] = []

    async def speak(self, request: SpeechRequest) -> SpeechResult:
        self.calls.append(request)
        return SpeechResult(audio=AUDIO, content_type="audio/wav", input_tokens=1000, output_tokens=1000)


@pytest.fixture()
def served(tmp_path: Path) -> Iterator[tuple[TestClient, dict[str, str], _Speaker, Any]]:
    app = create_app(dataclasses.replace(load_settings(env={}), db_path=tmp_path / "g.db"))
    state = app.state.gateway
    speaker = _Speaker()
    state.speakers = {"audio": speaker}
    key = new_key()
    account = blocking(state.store).create_account("acme", 10**12)
    blocking(state.store).add_key(account.id, digest(key, blocking(state.store).pepper()), "k")
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client, {"authorization": f"Bearer {key}"}, speaker, lambda: blocking(state.store).get_account(account.id)


def test_the_route_answers_the_audio_and_charges_it(
        served: tuple[TestClient, dict[str, str], _Speaker, Any]) -> None:
    client, auth, speaker, account = served
    before = account().balance_nano
    response = client.post("/v1/audio/speech", json={"model": "gemini-2-5-flash-tts", "input": "Hi."}, headers=auth)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "audio/wav"
    with wave.open(io.BytesIO(response.content)) as file:
        assert file.getnframes() > 0
    assert response.headers["x-usage-cost"] == "0.031500000"
    assert before - account().balance_nano == 31_500_000
    assert speaker.calls[0].voice == "alloy" and speaker.calls[0].response_format == "wav"


@pytest.mark.parametrize(("body", "status", "code"), [
    ({"model": "qwen3-max", "input": "x"}, 400, "model_not_supported_on_endpoint"),
    ({"model": "nope", "input": "x"}, 404, "model_not_found"),
    ({"model": "gemini-2-5-flash-tts", "input": ""}, 400, "invalid_parameter"),
    ({"model": "gemini-2-5-flash-tts", "input": "x", "voice": "robot"}, 400, "invalid_parameter"),
    ({"model": "gemini-2-5-flash-tts", "input": "x", "response_format": "mp3"}, 400, "invalid_parameter"),
    ({"model": "gemini-2-5-flash-tts", "input": "x", "response_format": "ogg"}, 400, "invalid_parameter"),
    ({"model": "gemini-2-5-flash-tts", "input": "x", "speed": 9}, 400, "invalid_parameter"),
    ({"model": "gemini-2-5-flash-tts", "input": "x", "include_b64_json": True}, 400, "unsupported_parameter"),
    ({"input": "x"}, 400, "missing_parameter"),
])
def test_refusals_never_reach_the_upstream(served: tuple[TestClient, dict[str, str], _Speaker, Any],
                                           body: dict[str, Any], status: int, code: str) -> None:
    client, auth, speaker, _ = served
    response = client.post("/v1/audio/speech", json=body, headers=auth)
    assert (response.status_code, response.json()["error"]["code"]) == (status, code), response.text
    assert speaker.calls == []
