"""The suite checks that catch each defect of ``/v1/embeddings`` (``gateway/testing/embeddings.py``)."""

from __future__ import annotations

_SUITE = "suites/test_embeddings.py::"
_BAD = ("empty-string", "empty-array", "token-array", "non-string-item", "too-many")

CAUGHT_BY: dict[str, tuple[str, ...]] = {
    "embeddings_out_of_order": (f"{_SUITE}test_one_vector_per_input_in_order",),
    "embeddings_base64_not_encoded": (f"{_SUITE}test_base64_decodes_to_the_float_answer",),
    "embeddings_dimensions_ignored": (f"{_SUITE}test_dimension_is_the_catalogs_or_the_requested",),
    "embeddings_chat_model_accepted": (f"{_SUITE}test_chat_model_on_embeddings_is_400",),
    "embeddings_unknown_model_served": (f"{_SUITE}test_unknown_model_is_404",),
    "embeddings_input_forwarded": tuple(f"{_SUITE}test_bad_input_is_400[{case}]" for case in _BAD),
    "embeddings_usage_dropped": (f"{_SUITE}test_embeddings_answer_shape",),
    "embeddings_not_admitted": (f"{_SUITE}test_insufficient_credits_is_402",),
    "embeddings_not_charged": (f"{_SUITE}test_cost_is_the_listed_token_price",),
    "embeddings_upstream_untranslated": (f"{_SUITE}test_upstream_failure_is_502",),
}
