"""Rules of stored Responses (``store``, ``previous_response_id``, ``item_reference``, retrieve / delete /
input items; D-18, D-53..D-55) and the small checks the stored-Responses suites share."""

from __future__ import annotations

from typing import Any

import httpx

from suites.checks import CheckFailure, holds
from suites.checks import errors as envelopes
from suites.contract import Contract
from suites.rules import register, register_all

__all__ = ["conversation_text", "not_found", "previous_not_found"]

register_all("openai:responses-create#previous_response_id", {
    "previous_response_continues": "with previous_response_id the model sees the previous input and output first",
    "previous_response_id_echoed": "the Response echoes previous_response_id",
    "previous_response_not_found": "an unknown, deleted or foreign previous_response_id is 400 "
                                   "previous_response_not_found naming previous_response_id",
})
register("previous_instructions_not_carried", "openai:responses-create#instructions",
         "the instructions of a previous response are not carried over to the next")
register_all("openai:responses-retrieve", {
    "stored_response_retrieved": "GET /v1/responses/{id} returns the Response exactly as it was created",
    "response_not_found_404": "an unknown response id is 404 response_not_found in the OpenAI envelope",
})
register("store_false_not_stored", "openai:responses-create#store", "a store: false response cannot be retrieved")
register("response_deleted", "openai:responses-delete",
         "DELETE answers the deletion object; the response is then 404 and cannot be continued")
register("input_items_listed", "openai:responses-input-items",
         "input_items lists the request's input items, newest first by default, with limit / order / after")
register("item_reference_resolved", "openai:responses-create#item-reference",
         "an item_reference stands for the stored item it names")
register_all("decision:D-53", {
    "stored_response_isolated": "another account cannot retrieve, list, delete, continue or reference a response",
    "stored_response_per_account": "every key of the account sees its stored responses",
})
register("stateful_unsupported_400", "decision:D-56",
         "background: true and conversation are 400 unsupported_parameter naming the field")
register("item_reference_unknown_400", "decision:D-54", "an unresolvable item_reference is 400 naming input[i]")
register("input_item_error_named", "decision:D-55",
         "an invalid input item is a 400 naming input[i] with a short reason, never echoing the input")


def not_found(response: httpx.Response, contract: Contract, rule: str) -> None:
    """A 404 ``response_not_found`` in the OpenAI envelope, checked as ``rule``."""
    try:
        envelopes.openai_error(response, contract, status=404, code="response_not_found", type="not_found_error")
    except CheckFailure as failure:
        raise CheckFailure(rule, str(failure)) from None


def previous_not_found(response: httpx.Response, contract: Contract, rule: str = "previous_response_not_found") -> None:
    """A 400 ``previous_response_not_found`` naming ``previous_response_id``."""
    try:
        error = envelopes.openai_error(response, contract, status=400, code="previous_response_not_found",
                                       type="invalid_request_error")
    except CheckFailure as failure:
        raise CheckFailure(rule, str(failure)) from None
    holds(rule, error.get("param") == "previous_response_id",
          f"param should be previous_response_id, got {error.get('param')!r}")


def conversation_text(body: Any) -> str:
    """Every text of an upstream request body, joined (its messages, system prompt, content parts)."""
    out: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, str):
            out.append(node)
        elif isinstance(node, dict):
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(body)
    return "\n".join(out)
