"""Checks of ``POST /v1/audio/speech`` (D-87, D-88): the answer is audio of the declared content type that
decodes (a WAV read whole with :mod:`wave`: channels, rate, as many frames as its header says), and its
``x-usage-cost`` is the catalog's price.
"""

from __future__ import annotations

import io
import wave
from typing import Any

from suites.checks import cut, expect, fail, holds
from suites.rules import register

__all__ = ["AUDIO", "COST", "EXAMPLE", "FORMAT_REFUSED", "LONGER", "PCM", "VOICE_REFUSED", "content_type",
           "wav_frames"]

AUDIO = "speech_audio"
EXAMPLE = "speech_documented_example"
PCM = "speech_pcm"
LONGER = "speech_length_follows_text"
VOICE_REFUSED = "speech_voice_refused"
FORMAT_REFUSED = "speech_format_refused"
COST = "speech_cost_reported"

register(AUDIO, "openai:audio-speech",
         "a speech answer is the audio file itself, of the requested response_format's content type "
         "(audio/wav for wav) and decodes whole")
register(EXAMPLE, "docs:gemini-2-5-flash-tts#example-request",
         "the page's example request {model, input} is answered 200 with audio")
register(PCM, "decision:D-87", "response_format: pcm answers audio/pcm: headerless PCM16 (an even, non-zero "
         "number of bytes)")
register(LONGER, "decision:D-87", "the audio of a longer text is longer (the answer is speech of the input)")
register(VOICE_REFUSED, "decision:D-87",
         "a voice the deployment does not offer is 400 invalid_parameter naming voice, never sent upstream")
register(FORMAT_REFUSED, "decision:D-87",
         "a response_format the deployment does not offer is 400 naming response_format, never sent upstream")
register(COST, "decision:D-88",
         "x-usage-cost is the catalog price of the x-usage-* counts (per token) or of the input's characters, "
         "and the balance is debited that much")


def content_type(response: Any, expected: str, rule: str = AUDIO) -> None:
    """``response`` is 200 with the media type ``expected``."""
    expect(rule, response.status_code == 200, "200", f"{response.status_code}: {cut(response.text, 300)}")
    declared = response.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    expect(rule, declared == expected, f"content-type {expected}", declared or None)


def wav_frames(audio: bytes, rule: str = AUDIO) -> int:
    """The frame count of the WAV ``audio``, failing ``rule`` unless it decodes whole with at least one
    channel, a positive rate and at least one frame."""
    try:
        with wave.open(io.BytesIO(audio), "rb") as file:
            channels, rate, frames, width = (file.getnchannels(), file.getframerate(), file.getnframes(),
                                             file.getsampwidth())
            data = file.readframes(frames)
    except (wave.Error, EOFError) as exc:
        fail(rule, f"the answer is not a WAV file ({exc}): {cut(audio[:64])}")
        return 0
    holds(rule, channels >= 1 and rate > 0 and frames > 0,
          f"WAV with {channels} channel(s), {rate} Hz, {frames} frames")
    holds(rule, len(data) == frames * channels * width,
          f"WAV truncated: its header says {frames} frames, it holds {len(data) // max(channels * width, 1)}")
    return frames
