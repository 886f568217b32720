"""The suite checks that catch each defect of what a field means (``gateway/testing/semantics.py``)."""

from __future__ import annotations

_ALL = "suites/test_all_formats.py::"
_TIMES = "suites/test_timestamps.py::"


def _formats(test: str, *formats: str) -> tuple[str, ...]:
    return tuple(f"{_ALL}{test}[{f}-{s}]" for f in formats for s in ("non-stream", "stream"))


_CONTROLS = "suites/test_reasoning_controls.py::"

CAUGHT_BY: dict[str, tuple[str, ...]] = {
    "reasoning_budget_dropped_silently": tuple(f"{_CONTROLS}test_budget_a_model_cannot_take_is_400[{f}]"
                                               for f in ("chat", "messages", "responses")),
    "portable_reasoning_refused": tuple(f"{_CONTROLS}test_portable_budget_on_a_model_with_a_budget_control[{f}]"
                                        for f in ("chat", "messages", "responses")),
    "created_in_milliseconds": (*_formats("test_created_is_unix_seconds", "chat", "responses"),
                                _TIMES + "test_listed_models_created_in_seconds",
                                _TIMES + "test_retrieved_models_created_in_seconds"),
    "unavailable_model_served": (*_formats("test_unavailable_model_is_404_in_the_format_envelope",
                                           "chat", "messages", "responses"),
                                 ("suites/test_availability.py::test_unavailable_model_is_404_on_every_endpoint"
                                 "[/v1/chat/completions]"),
                                 "suites/test_chat_validation.py::test_unknown_model_is_404[unavailable]"),
    "reasoning_off_ignored": _formats("test_reasoning_switched_off_shows_none", "chat", "messages", "responses"),
}
