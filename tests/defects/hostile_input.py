"""The suite checks that catch each defect of strict decoding, tool schemas, ranges, paths and the Host
header (``gateway/testing/hostile_input.py``)."""

from __future__ import annotations

_INPUT = "suites/test_hostile_input.py::"


def _formats(test: str, *names: str) -> tuple[str, ...]:
    return tuple(f"{_INPUT}{test}[{name}]" for name in names or ("chat", "messages", "responses"))


CAUGHT_BY: dict[str, tuple[str, ...]] = {
    "bad_text_accepted": _formats("test_invalid_text_is_400_naming_the_field"),
    "foreign_encodings_accepted": _formats("test_foreign_encodings_are_400"),
    "duplicate_keys_last_wins": _formats("test_duplicate_keys_and_non_numbers_are_400"),
    "non_finite_accepted": _formats("test_duplicate_keys_and_non_numbers_are_400"),
    "nesting_unlimited": _formats("test_deep_nesting_is_400"),
    "tool_schema_unchecked": _formats("test_invalid_tool_schemas_are_400"),
    "range_unchecked": _formats("test_declared_ranges_are_enforced"),
    "trailing_slash_redirect": (_INPUT + "test_near_miss_paths_are_404_never_redirects",
                                _INPUT + "test_host_header_is_never_reflected"),
    "host_reflected": (_INPUT + "test_host_header_is_never_reflected",),
    "error_quotes_raw_input": _formats("test_errors_quote_little_of_what_they_were_sent"),
}
