"""The suite checks that catch each defect of ``/v1/models`` (``gateway/testing/models.py``)."""

from __future__ import annotations

_MODELS = "suites/test_models.py::"
_SCHEMATHESIS = "suites/test_schemathesis.py::"

CAUGHT_BY: dict[str, tuple[str, ...]] = {
    "models_listing_requires_credits": (_MODELS + "test_listing_models_needs_no_credits",),
    "available_filter_accepts_garbage": (_MODELS + "test_invalid_available_value_is_400",),
    "duplicate_model_ids": (_MODELS + "test_list_models_conforms",),
    "available_flag_inconsistent": (_MODELS + "test_list_models_conforms",),
    "colon_ids_not_routed": (_MODELS + "test_model_ids_with_a_colon_resolve",),
    "unknown_model_200": (_MODELS + "test_unknown_model_is_404_model_not_found",),
    "model_pricing_missing": (_MODELS + "test_list_models_conforms",),
    "list_object_missing": (_MODELS + "test_list_models_conforms",),
    "available_filter_ignored": (_MODELS + "test_available_filter_lists_only_available_models",),
    "model_detail_drops_parameters": (_MODELS + "test_retrieve_matches_list_entry",),
    "model_detail_wrong_id": (_MODELS + "test_retrieve_matches_list_entry",),
    "available_false_lists_all": (_MODELS + "test_available_false_lists_only_unavailable_models",),
    "available_value_lax": (
        _MODELS + "test_available_accepts_only_true_or_false[1]",
        _MODELS + "test_available_accepts_only_true_or_false[yes]",
        _MODELS + "test_available_accepts_only_true_or_false[TRUE]",
    ),
    "models_available_garbage_500": (_SCHEMATHESIS + "test_fuzz",),
}
