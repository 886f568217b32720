"""The suite checks that catch each defect of the documented errors beside the text formats
(``gateway/testing/operation_errors.py``): all in the cross-operation error suite, whose rules run on every
operation of the spec; none of these is caught by the per-endpoint suites."""

from __future__ import annotations

_OPS = "suites/test_operation_errors.py::"

CAUGHT_BY: dict[str, tuple[str, ...]] = {
    "media_401_anthropic_envelope": (_OPS + "test_missing_key_is_401[createImage]",
                                     _OPS + "test_unknown_key_is_401[createSpeech]"),
    "media_413_as_400": (_OPS + "test_body_over_the_limit_is_413[createEmbedding]",
                         _OPS + "test_body_over_the_limit_is_413[createSearch]"),
    "media_429_no_retry_after": (_OPS + "test_rate_limited_is_429[createSpeech]",),
    "transcription_unknown_model_400": (_OPS + "test_unknown_model_is_404[createTranscription]",),
    "media_402_wrong_code": (_OPS + "test_no_credits_is_402[createVideo]", _OPS + "test_no_credits_is_402[createSearch]"),
    "media_503_as_502": (_OPS + "test_upstream_failure_is_mapped[createImage-503]",),
    "aux_internal_error_plain": (_OPS + "test_internal_error_is_500[getJob]",
                                 _OPS + "test_internal_error_is_500[retrieveModel]"),
    "auxiliary_budget_ignored": (_OPS + "test_rate_limited_is_429[getJob]",
                                 _OPS + "test_rate_limited_is_429[uploadFile]"),
    "job_id_shape_500": (_OPS + "test_unknown_id_is_404[getJob]",),
}
