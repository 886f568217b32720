"""The upstream-job mocks (video on ``media``, transcription on ``audio``): the lifecycle in time, and the job
directives ``time``, ``fail``, ``hang`` and ``malformed`` (with the leak bait in a failure's message)."""

from __future__ import annotations

import base64
import io
import time
import wave
from typing import Any

import httpx
import pytest

from suites.checks.videos import mp4_seconds


def _wav(seconds: float, rate: int = 8000) -> str:
    out = io.BytesIO()
    with wave.open(out, "wb") as file:
        file.setnchannels(1)
        file.setsampwidth(2)
        file.setframerate(rate)
        file.writeframes(b"\0\0" * int(seconds * rate))
    return base64.b64encode(out.getvalue()).decode("ascii")


def _submit(client: httpx.Client, kind: str, directive: str = "", **extra: Any) -> str:
    if kind == "video":
        body = {"model": "kling-o3", "prompt": f"a harbour {directive}", "duration": 3, **extra}
        response = client.post("/v1/videos", json=body)
    else:
        response = client.post("/v1/transcriptions", json={"model": "whisper-1", "audio": _wav(1.5),
                                                           "prompt": directive, **extra})
    assert response.status_code == 200, response.text
    job_id: str = response.json()["id"]
    return job_id


def _state(client: httpx.Client, kind: str, job_id: str) -> dict[str, Any]:
    path = f"/v1/videos/{job_id}" if kind == "video" else f"/v1/transcriptions/{job_id}"
    response = client.get(path)
    assert response.status_code == 200, response.text
    state: dict[str, Any] = response.json()
    return state


def _until_ended(client: httpx.Client, kind: str, job_id: str, limit: float = 5) -> list[str]:
    seen: list[str] = []
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        status = _state(client, kind, job_id)["status"]
        if not seen or seen[-1] != status:
            seen.append(status)
        if status in ("completed", "failed", "error"):
            break
        time.sleep(0.05)
    return seen


@pytest.fixture(params=["video", "transcription"])
def kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def job_client(kind: str, mock_clients: dict[str, httpx.Client]) -> httpx.Client:
    return mock_clients["media" if kind == "video" else "audio"]


def test_a_job_is_queued_then_running_then_completed(kind: str, job_client: httpx.Client) -> None:
    seen = _until_ended(job_client, kind, _submit(job_client, kind, "[[mock:job=time:600ms]]"))
    running = "in_progress" if kind == "video" else "processing"
    assert seen == ["queued", running, "completed"]


def test_a_finished_video_is_an_mp4_of_its_duration(mock_clients: dict[str, httpx.Client]) -> None:
    client = mock_clients["media"]
    job_id = _submit(client, "video")
    _until_ended(client, "video", job_id)
    content = client.get(f"/v1/videos/{job_id}/content")
    assert content.headers["content-type"] == "video/mp4" and mp4_seconds(content.content) == 3.0


def test_a_transcript_is_of_the_wavs_length(mock_clients: dict[str, httpx.Client]) -> None:
    client = mock_clients["audio"]
    job_id = _submit(client, "transcription", language="de")
    _until_ended(client, "transcription", job_id)
    state = _state(client, "transcription", job_id)
    assert state["duration"] == 1.5 and "1.50 seconds" in state["text"] and state["language"] == "de"


def test_a_failed_job_carries_the_bait(kind: str, job_client: httpx.Client) -> None:
    job_id = _submit(job_client, kind, "[[mock:job=fail]]")
    assert _until_ended(job_client, kind, job_id)[-1] == ("failed" if kind == "video" else "error")
    assert "mock-upstream.internal" in _state(job_client, kind, job_id)["error"]["message"]


def test_a_hung_job_stays_running(kind: str, job_client: httpx.Client) -> None:
    job_id = _submit(job_client, kind, "[[mock:job=hang]] [[mock:job=time:100ms]]")
    time.sleep(0.3)
    assert _state(job_client, kind, job_id)["status"] in ("in_progress", "processing")


def test_a_malformed_job_completes_without_a_result(mock_clients: dict[str, httpx.Client]) -> None:
    video, audio = mock_clients["media"], mock_clients["audio"]
    video_id = _submit(video, "video", "[[mock:job=malformed]]")
    _until_ended(video, "video", video_id)
    assert not video.get(f"/v1/videos/{video_id}/content").content.startswith(b"\0\0")
    with pytest.raises(AssertionError):
        mp4_seconds(video.get(f"/v1/videos/{video_id}/content").content)
    audio_id = _submit(audio, "transcription", "[[mock:job=malformed]]")
    _until_ended(audio, "transcription", audio_id)
    state = _state(audio, "transcription", audio_id)
    assert state["status"] == "completed" and "text" not in state and "duration" not in state


def test_an_unknown_job_directive_is_400(kind: str, job_client: httpx.Client) -> None:
    path = "/v1/videos" if kind == "video" else "/v1/transcriptions"
    body = ({"model": "kling-o3", "prompt": "x [[mock:job=explode]]"} if kind == "video"
            else {"model": "whisper-1", "audio": _wav(0.5), "prompt": "[[mock:job=explode]]"})
    response = job_client.post(path, json=body)
    assert response.status_code == 400 and "explode" in response.text


def test_a_poll_is_logged_with_when_its_job_was_submitted(kind: str, job_client: httpx.Client) -> None:
    before = time.time()
    job_id = _submit(job_client, kind)
    _state(job_client, kind, job_id)
    submitted, polled = job_client.get("/__mock__/requests").json()["requests"][-2:]
    assert "job_submitted_at" not in submitted
    assert polled["method"] == "GET" and before <= polled["job_submitted_at"] <= polled["received_at"]
