"""The job suites' own helpers: the MP4 reader and writer, the WAV tone, the values a catalog refuses."""

from __future__ import annotations

import io
import wave

import pytest

from suites.checks import CheckFailure
from suites.checks.transcriptions import tone
from suites.checks.videos import clip, mp4_seconds
from suites.parameters import UNLISTED, refused_values


def test_clip_reads_back_its_duration() -> None:
    assert mp4_seconds(clip(2.5)) == 2.5


@pytest.mark.parametrize("data", [b"", b"<html>not a video</html>", clip(1.0)[:20]])
def test_what_is_not_an_mp4_fails_the_rule(data: bytes) -> None:
    with pytest.raises(CheckFailure, match="videos_served_as_mp4"):
        mp4_seconds(data)


def test_tone_is_a_wav_of_its_length() -> None:
    with wave.open(io.BytesIO(tone(1.5))) as file:
        assert file.getnframes() / file.getframerate() == 1.5


def test_refused_values_leave_each_bound() -> None:
    model = {"supported_parameters": [
        {"name": "mode", "type": "string", "enum": ["standard", "pro"]},
        {"name": "duration", "type": "integer", "minimum": 3, "maximum": 15},
        {"name": "length", "type": "integer", "enum": [5, 8]},
        {"name": "prompt", "type": "string"},
        {"name": "skipped", "type": "number", "maximum": 1},
    ]}
    assert refused_values(model, ("skipped",)) == [("mode", UNLISTED), ("duration", 16), ("duration", 2),
                                                   ("length", 9)]
