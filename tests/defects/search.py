"""The suite checks that catch each ``/v1/search`` defect (``gateway/testing/search.py``)."""

from __future__ import annotations

_S = "suites/test_search.py::"

CAUGHT_BY: dict[str, tuple[str, ...]] = {
    "search_chat_model_accepted": (_S + "test_chat_model_is_refused",),
    "search_unknown_model_served": (_S + "test_unknown_model_is_404",),
    "search_bad_parameters_dropped": (*(f"{_S}test_bad_parameters_are_400[{case}]" for case in (
        "max_results-0", "max_results-101", "max_results-text", "search_depth-enum", "include_domains-type",
        "end_date-format", "query-empty", "query-blank", "query-type")), _S + "test_missing_query_is_400"),
    "search_results_dropped": (_S + "test_plain_query_lists_results", _S + "test_results_use_the_spec_names_only"),
    "search_upstream_names_leaked": (_S + "test_results_use_the_spec_names_only",),
    "search_formatting_ignored": (_S + "test_answers_list_sources_unless_formatting_is_off",),
    "search_not_charged": (_S + "test_search_debits_its_price",),
    "search_cost_misreported": (_S + "test_usage_is_the_catalog_per_call_price",),
    "search_upstream_error_passed_through": tuple(f"{_S}test_upstream_failure_in_the_envelope[{f}]"
                                                  for f in ("status:500", "status:401", "malformed:1")),
    "search_detection_per_request": (_S + "test_detection_gives_a_verdict_priced_per_word",
                                     _S + "test_other_kinds_debit_their_price[detection]"),
    "search_detection_dropped": (_S + "test_detection_gives_a_verdict_priced_per_word",),
    "search_task_result_missing": (_S + "test_agent_task_answers_with_its_sources", _S + "test_async_agent_task_is_a_job"),
    "search_task_tier_ignored": (_S + "test_agent_task_costs_its_tier",),
    "search_task_async_ignored": (_S + "test_async_agent_task_is_a_job",),
    "search_task_failure_hidden": tuple(f"{_S}test_failed_agent_task_in_the_envelope[{outcome}]"
                                        for outcome in ("fail", "malformed", "hang")),
    "search_task_not_charged": (_S + "test_other_kinds_debit_their_price[agent]",),
    "search_citations_dropped": (_S + "test_answers_cite_their_sources",),
    "search_tokens_not_charged": (_S + "test_token_priced_answers_cost_their_usage",
                                  _S + "test_other_kinds_debit_their_price[metered]"),
    "search_context_size_ignored": (_S + "test_token_priced_answers_cost_their_usage",),
}
