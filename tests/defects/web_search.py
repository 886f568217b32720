"""The suite checks that catch each Linkup web search defect (``gateway/testing/web_search.py``)."""

from __future__ import annotations

_W = "suites/test_web_search.py::"
_FOOTER = tuple(f"{_W}test_footer_lists_the_sources[{s}-{f}]" for f in ("chat", "messages", "responses")
                for s in ("non-stream", "stream"))
_COST = tuple(f"{_W}test_cost_includes_the_search_price_once[{s}]" for s in ("non-stream", "stream"))
_LOG = (_W + "test_latest_user_turn_is_searched_and_given_to_the_model",)

CAUGHT_BY: dict[str, tuple[str, ...]] = {
    "web_search_not_performed": (*_FOOTER, *_COST, *_LOG),
    "web_search_wrong_turn": _LOG,
    "web_search_sources_withheld": _LOG,
    "web_search_footer_missing": _FOOTER,
    "web_search_footer_despite_raw": tuple(f"{_W}test_disable_formatting_drops_the_footer[{f}]"
                                           for f in ("chat", "messages", "responses")),
    "web_search_not_charged": _COST,
    "web_search_charged_twice": _COST,
}
