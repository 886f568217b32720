"""The audio mock: WAV (or PCM) bytes of a length proportional to the text, usage headers, refusals,
fault directives and the request log."""

from __future__ import annotations

import io
import wave

import httpx
import pytest

from mocks.audio import RATE, SECONDS_PER_CHAR, samples

MODEL = "gemini-2.5-flash-preview-tts"


def _speak(client: httpx.Client, text: str, **extra: object) -> httpx.Response:
    return client.post("/v1/audio/speech", json={"model": MODEL, "input": text, **extra})


def test_wav_of_the_texts_length_with_usage(audio_client: httpx.Client) -> None:
    response = _speak(audio_client, "Hello from the lighthouse keeper.")
    assert response.status_code == 200 and response.headers["content-type"] == "audio/wav"
    with wave.open(io.BytesIO(response.content)) as file:
        assert (file.getnchannels(), file.getframerate(), file.getsampwidth()) == (1, RATE, 2)
        assert file.getnframes() == int(RATE * SECONDS_PER_CHAR * len("Hello from the lighthouse keeper."))
    assert response.headers["x-usage-input-tokens"].isdigit() and int(response.headers["x-usage-output-tokens"]) > 0


def test_pcm_is_the_bare_samples(audio_client: httpx.Client) -> None:
    response = _speak(audio_client, "Hi there.", response_format="pcm")
    assert response.headers["content-type"] == "audio/pcm" and response.content == samples("Hi there.")


@pytest.mark.parametrize("extra", [{"voice": "robot"}, {"response_format": "mp3"}, {"speed": 9}, {"input": ""}])
def test_bad_requests_are_400(audio_client: httpx.Client, extra: dict[str, object]) -> None:
    response = audio_client.post("/v1/audio/speech", json={"model": MODEL, "input": "x", **extra})
    assert response.status_code == 400
    assert audio_client.post("/v1/audio/speech", json={"model": "nope", "input": "x"}).status_code == 404


def test_directives_fault_the_request_and_are_not_spoken(audio_client: httpx.Client) -> None:
    assert _speak(audio_client, "[[mock:fault=status:503]] x").status_code == 503
    whole = _speak(audio_client, "[[mock:fault=latency:10ms]]x", response_format="pcm").content
    assert whole == samples("x")
    broken = _speak(audio_client, "[[mock:fault=malformed:1]] hello")
    full = _speak(audio_client, "hello").content
    assert broken.status_code == 200 and len(broken.content) < len(full)
    logged = audio_client.get("/__mock__/requests").json()["requests"][-2]
    assert logged["path"] == "/v1/audio/speech" and logged["body"]["input"] == "[[mock:fault=malformed:1]] hello"
