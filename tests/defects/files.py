"""The suite checks that catch each defect of file uploads (``gateway/testing/files.py``)."""

from __future__ import annotations

_FILES = "suites/test_files.py::"

CAUGHT_BY: dict[str, tuple[str, ...]] = {
    "upload_claimed_type_trusted": (
        _FILES + "test_a_spoofed_content_type_is_400[png-as-audio]",
        _FILES + "test_a_spoofed_content_type_is_400[text-as-png]",
        _FILES + "test_a_spoofed_content_type_is_400[wav-as-png]",
    ),
    "upload_unaccepted_type_stored": (
        _FILES + "test_a_pdf_is_not_accepted",
        _FILES + "test_a_spoofed_content_type_is_400[text-as-png]",
    ),
    "upload_cap_not_enforced": (_FILES + "test_a_file_over_the_cap_is_413",
                                "suites/test_transcriptions.py::test_a_file_over_the_cap_is_413"),
    "upload_charged": (_FILES + "test_uploads_need_no_credits",),
    "upload_wrong_shape": (
        _FILES + "test_upload_answers_the_stored_file[png]",
        _FILES + "test_upload_answers_the_stored_file[wav]",
        _FILES + "test_content_type_is_the_bytes_type[png]",
        _FILES + "test_content_type_is_the_bytes_type[wav]",
    ),
    "upload_missing_file_unnamed": (_FILES + "test_an_upload_without_a_file_is_400",),
    "upload_path_unresolved": (_FILES + "test_an_uploaded_path_is_taken_in_chat",),
    "upload_path_not_bound": (
        _FILES + "test_another_accounts_path_is_refused",
        _FILES + "test_another_accounts_path_is_refused_on_media_inputs[transcription-file]",
        _FILES + "test_another_accounts_path_is_refused_on_media_inputs[video-image]",
    ),
    "upload_not_swept": (_FILES + "test_an_upload_is_swept_after_thirty_days",),
    "upload_401_in_anthropic_envelope": (_FILES + "test_an_upload_needs_a_key",),
}
