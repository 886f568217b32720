"""The suite checks that catch each defect of stored Responses (``gateway/testing/responses_state.py``)."""

from __future__ import annotations

_STATE = "suites/test_responses_state.py::"
_SDK = "suites/test_sdk_responses.py::test_sdk_stored_conversation"

CAUGHT_BY: dict[str, tuple[str, ...]] = {
    "resp_previous_response_ignored": (_STATE + "test_conversation_continues[non-stream]",
                                       _STATE + "test_conversation_continues[stream]", _SDK + "[non-stream]",
        "suites/test_frameworks.py::test_langchain_responses_previous_response_id",
    ),
    "resp_previous_instructions_carried": (_STATE + "test_conversation_continues[non-stream]",
                                           _STATE + "test_conversation_continues[stream]"),
    "resp_previous_not_found_is_404": (_STATE + "test_unknown_ids[non-stream]", _STATE + "test_unknown_ids[stream]",
                                       _STATE + "test_deleted_response_is_gone", _SDK + "[stream]"),
    "resp_stored_response_differs": (_STATE + "test_retrieve_equals_create[non-stream]",
                                     _STATE + "test_retrieve_equals_create[stream]", _SDK + "[non-stream]"),
    "resp_store_false_stored": (_STATE + "test_store_false_is_not_retrievable", _SDK + "[non-stream]"),
    "resp_stream_not_stored": (_STATE + "test_retrieve_equals_create[stream]",
                               _STATE + "test_conversation_continues[stream]", _SDK + "[stream]"),
    "resp_delete_keeps_response": (_STATE + "test_deleted_response_is_gone", _SDK + "[non-stream]"),
    "resp_stored_not_isolated": (_STATE + "test_another_account_sees_nothing",
                                 "suites/test_sdk_responses.py::test_sdk_other_account_cannot_use_a_response"),
    "resp_stored_per_key": (_STATE + "test_every_key_of_the_account_sees_it",),
    "resp_item_reference_ignored": (_STATE + "test_item_reference_round_trip[non-stream]",
                                    _STATE + "test_item_reference_round_trip[stream]"),
    "resp_unknown_item_reference_dropped": (_STATE + "test_unknown_item_reference_is_400_naming_it",),
    "resp_item_error_dumps_input": (_STATE + "test_invalid_item_is_named_not_dumped[function-call-without-call-id]",
                                    _STATE + "test_invalid_item_is_named_not_dumped[unknown-role]",
                                    _STATE + "test_invalid_item_is_named_not_dumped[unknown-type]"),
    "resp_input_items_oldest_first": (_STATE + "test_input_items_listed", _SDK + "[stream]"),
    "resp_background_dropped": (_STATE + "test_background_and_conversation_are_400[background]",
                                _STATE + "test_background_and_conversation_are_400[conversation]"),
}
