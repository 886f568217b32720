"""Checks of ``POST /v1/audio/transcriptions`` (D-115, D-116): the job's result is the transcript of the
file sent, its ``duration_seconds`` the file's length; ``usage.cost`` is the per-minute rate for that duration;
values outside the schema or the model's ``supported_parameters`` are refused naming them; ``raw`` exactly
with ``disable_formatting``."""

from __future__ import annotations

import io
import math
import struct
import wave

from suites.rules import register

__all__ = ["FILE_CAP", "LIFECYCLE", "PARAMETERS", "PRICE", "RAW", "UPLOADED", "tone"]

LIFECYCLE = "transcriptions_job_lifecycle"
PRICE = "transcriptions_price"
PARAMETERS = "transcriptions_parameters_checked"
RAW = "transcriptions_disable_formatting"
FILE_CAP = "transcriptions_file_cap"
UPLOADED = "transcriptions_uploaded_file"

register(LIFECYCLE, "docs:api-reference-overview#long-running-requests",
         "a transcription is a job polled queued → running → completed, its result the transcript: text, and "
         "duration_seconds the length of the file sent (±0.5 s)")
register(UPLOADED, "docs:api-reference-overview#endpoints",
         "a bunny:// path answered by POST /v1/files/upload is a file the transcription endpoint accepts: the job "
         "transcribes that file")
register(PRICE, "decision:D-115",
         "usage.cost (and the debit) is the per-minute rate for the measured duration: rate / per × "
         "duration_seconds, unit audio-second")
register(PARAMETERS, "decision:D-115",
         "a value outside the spec's schema or the model's supported_parameters, or a file that is not audio or "
         "video, is 400 naming it, never sent upstream")
register(FILE_CAP, "decision:D-115",
         "a file part is capped at upload_max_bytes as an upload is: a file past json_body_max_bytes but under the "
         "cap is accepted")
register(RAW, "decision:D-116",
         "with disable_formatting (or an alias) the result holds raw, the upstream payload without its ids and "
         "URLs; without it there is no raw")


def tone(seconds: float, rate: int = 8000) -> bytes:
    """A WAV file (PCM16 mono) of a 440 Hz tone lasting ``seconds``."""
    frames = b"".join(struct.pack("<h", int(8000 * math.sin(2 * math.pi * 440 * i / rate)))
                      for i in range(int(seconds * rate)))
    out = io.BytesIO()
    with wave.open(out, "wb") as file:
        file.setnchannels(1)
        file.setsampwidth(2)
        file.setframerate(rate)
        file.writeframes(frames)
    return out.getvalue()
