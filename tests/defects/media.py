"""The suite checks that catch each defect of multimodal input (``gateway/testing/media.py``)."""

from __future__ import annotations

_MEDIA = "suites/test_multimodal.py::"


def _on(test: str, *ids: str) -> tuple[str, ...]:
    return tuple(f"{_MEDIA}{test}[{i}]" for i in ids)


_FORMATS = ("chat", "messages", "responses")

CAUGHT_BY: dict[str, tuple[str, ...]] = {
    "media_parts_dropped": (*_on("test_media_reaches_the_model", "chat-image-data", "responses-audio-data",
                                 "messages-image-url"), *_on("test_sdk_media_parts", "chat")),
    "media_modalities_unchecked": _on("test_media_the_model_cannot_take_is_400", *_FORMATS),
    "media_data_unchecked": _on("test_malformed_media_is_400", *_FORMATS),
    "bunny_path_forwarded": _on("test_unknown_storage_path_is_400", *_FORMATS),
    "media_error_unnamed": (*_on("test_media_the_model_cannot_take_is_400", "chat", "messages"),
                            *_on("test_malformed_media_is_400", "responses")),
    "media_sent_as_image": (*_on("test_media_reaches_the_model", "chat-audio-data", "chat-video-url",
                                 "responses-audio-data"), *_on("test_sdk_media_parts", "responses")),
    "tool_result_media_dropped": _on("test_media_in_a_tool_result_is_400", "messages", "responses"),
    "anthropic_media_dropped": _on("test_media_reaches_the_model", "chat-image-data", "messages-image-data",
                                   "responses-image-url"),
}
