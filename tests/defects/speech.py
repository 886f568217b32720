"""The suite checks that catch each defect of ``/v1/audio/speech`` (``gateway/testing/speech.py``)."""

from __future__ import annotations

_SUITE = "suites/test_speech.py::"

CAUGHT_BY: dict[str, tuple[str, ...]] = {
    "speech_wrong_content_type": (f"{_SUITE}test_speech_answer_is_decodable_audio",
                                  f"{_SUITE}test_documented_example_answers_audio",
                                  f"{_SUITE}test_pcm_is_headerless_samples"),
    "speech_audio_truncated": (f"{_SUITE}test_speech_answer_is_decodable_audio",),
    "speech_input_truncated": (f"{_SUITE}test_longer_text_is_longer_audio",),
    "speech_non_tts_model_accepted": (f"{_SUITE}test_chat_model_on_speech_is_400",),
    "speech_unknown_model_served": (f"{_SUITE}test_unknown_model_is_404",),
    "speech_voice_unchecked": (f"{_SUITE}test_unoffered_value_is_400[voice]",),
    "speech_format_unchecked": (f"{_SUITE}test_unoffered_value_is_400[format]",),
    "speech_not_charged": (f"{_SUITE}test_cost_is_the_listed_price[token]",
                           f"{_SUITE}test_cost_is_the_listed_price[character]"),
    "speech_not_admitted": (f"{_SUITE}test_insufficient_credits_is_402",),
    "speech_upstream_untranslated": tuple(f"{_SUITE}test_upstream_failure_is_502[{f}]"
                                          for f in ("status:500", "malformed:1", "cut:1")),
}
