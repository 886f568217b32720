"""The audio family's transcription, an upstream job.

``POST /v1/transcriptions`` ``{model, audio (base64) | audio_url, language, prompt, temperature}`` answers the
queued job ``{id: "tr_…", status}``; ``GET /v1/transcriptions/{id}`` its state (``queued`` → ``processing``
→ ``completed`` with the transcript, or ``error``). The transcript is a function of the audio: a WAV's
duration is its frames over its rate, any other bytes count as 16 kB per second, a URL as
:data:`URL_SECONDS`; the text names that duration (:func:`transcript`). Directives in ``prompt``: the usual
faults on the submit call, job directives on the job (:mod:`mocks.jobs`; ``malformed`` completes without
``text`` or ``duration``).
"""

from __future__ import annotations

import base64
import binascii
import io
import time
import wave
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from mocks.jobs import Job, JobBook, get_endpoint, job_options
from mocks.openai.dialect import OpenAIDialect
from mocks.provider import ApiError, Call, Family, dumps, endpoint
from mocks.wire import JSONDelivery

__all__ = ["BYTES_PER_SECOND", "MODELS", "URL_SECONDS", "duration_of", "routes", "transcript"]

MODELS = frozenset({"whisper-1", "nova-3"})
BYTES_PER_SECOND = 16000
URL_SECONDS = 10.0
_STATUS = {"queued": "queued", "running": "processing", "completed": "completed", "failed": "error"}


def duration_of(audio: bytes) -> float:
    """Seconds of ``audio``: a WAV's own length, else its size at :data:`BYTES_PER_SECOND`."""
    try:
        with wave.open(io.BytesIO(audio), "rb") as file:
            return round(file.getnframes() / file.getframerate(), 3)
    except (wave.Error, EOFError, ZeroDivisionError):
        return round(len(audio) / BYTES_PER_SECOND, 3)


def transcript(seconds: float) -> str:
    """The text of ``seconds`` of audio."""
    return f"This is the mock transcript of {seconds:.2f} seconds of audio."


def _checked(body: dict[str, Any]) -> float:
    if body.get("model") not in MODELS:
        raise ApiError(404, f"The model '{body.get('model')}' does not exist.", code="model_not_found", param="model")
    temperature = body.get("temperature", 0)
    if isinstance(temperature, bool) or not isinstance(temperature, (int, float)) or not 0 <= temperature <= 1:
        raise ApiError(400, "'temperature' must be between 0 and 1.", param="temperature")
    if isinstance(body.get("audio_url"), str) and body["audio_url"].startswith(("http://", "https://")):
        return URL_SECONDS
    try:
        audio = base64.b64decode(str(body.get("audio") or ""), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ApiError(400, "'audio' must be base64.", param="audio") from exc
    if not audio:
        raise ApiError(400, "Give 'audio' (base64) or 'audio_url'.", param="audio")
    return duration_of(audio)


def _words(text: str, seconds: float) -> list[dict[str, Any]]:
    words = text.split()
    step = seconds / max(len(words), 1)
    return [{"word": w, "start": round(i * step, 3), "end": round((i + 1) * step, 3)} for i, w in enumerate(words)]


def _state(family: Family, job: Job) -> dict[str, Any]:
    status = job.status
    out: dict[str, Any] = {"id": job.id, "object": "transcription", "model": job.request["model"],
                           "status": _STATUS[status], "created_at": int(time.time())}
    if status == "failed":
        out["error"] = {"code": "transcription_failed", "message": f"The audio could not be transcribed. "
                                                                   f"{family.bait(job.id)}"}
    elif status == "completed" and job.options.outcome == "malformed":
        out["result"] = "unavailable"
    elif status == "completed":
        seconds = job.request["seconds"]
        text = transcript(seconds)
        out.update(text=text, language=job.request.get("language") or "en", duration=seconds,
                   segments=[{"id": 0, "start": 0.0, "end": seconds, "text": text, "speaker": 0}],
                   words=_words(text, seconds), request_id=job.id)
    return out


def routes(family: Family) -> list[Route]:
    dialect = OpenAIDialect()
    book = JobBook("tr")

    async def submit(call: Call) -> Any:
        seconds = _checked(call.body)
        prompt, options = job_options(str(call.body.get("prompt") or ""))
        _, plan = call.plan(prompt)
        if plan.status:
            raise ApiError.injected(plan.status, plan)
        request = {k: v for k, v in call.body.items() if k != "audio"}
        job = book.submit({**request, "seconds": seconds}, options)
        return JSONDelivery(dumps(_state(family, job)).encode(), 200, call.headers, plan)

    async def poll(request: Request, headers: dict[str, str]) -> Response:
        job = book.get(request.path_params["job_id"])
        return Response(dumps(_state(family, job)), media_type="application/json", headers=headers)

    return [Route("/v1/transcriptions", endpoint(family, dialect, dialect.authenticate, submit), methods=["POST"]),
            Route("/v1/transcriptions/{job_id}", get_endpoint(family, dialect, dialect.authenticate, poll, book),
                  methods=["GET"])]
