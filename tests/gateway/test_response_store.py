"""The stored-Responses store (D-53): per-account isolation, the 30-day retention, deletion, item lookup;
the conversation step over it (previous_response_id, item_reference, store: false) and the input-items page."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from gateway.catalog import load_catalog
from gateway.config import Settings
from gateway.errors import InvalidRequest
from gateway.formats.openai_responses.conversation import ResponsesConversation
from gateway.formats.openai_responses.decode import ResponsesRequest, decode_responses
from gateway.routes.responses import page
from gateway.store.responses import RETENTION_SECONDS, StoredResponse
from gateway.store.sqlite_responses import SqliteResponseStore
from tests.blocking import Blocking, blocking

NOW = 1_800_000_000


def _record(rid: str = "resp_1", account: str = "acct_a", created: int = NOW) -> StoredResponse:
    output = [{"id": f"msg_out_{rid}", "type": "message", "role": "assistant", "status": "completed",
               "content": [{"type": "output_text", "text": "Paris.", "annotations": []}]}]
    items = [{"id": f"msg_in_{rid}", "type": "message", "role": "user", "status": "completed",
              "content": [{"type": "input_text", "text": "Capital of France?"}]}]
    response = {"id": rid, "object": "response", "status": "completed", "created_at": created, "output": output,
                "instructions": "Be brief."}
    return StoredResponse(rid, account, response, items, items, created, created + RETENTION_SECONDS)


@pytest.fixture
def store(tmp_path: Path) -> Blocking[SqliteResponseStore]:
    return blocking(SqliteResponseStore(tmp_path / "gateway.db"))


def test_a_stored_response_comes_back_as_stored(store: Blocking[SqliteResponseStore]) -> None:
    record = _record()
    store.put(record)
    assert store.get("acct_a", "resp_1", NOW) == record


def test_another_account_sees_nothing(store: Blocking[SqliteResponseStore]) -> None:
    store.put(_record())
    assert store.get("acct_b", "resp_1", NOW) is None
    assert store.find_item("acct_b", "msg_out_resp_1", NOW) is None
    assert store.delete("acct_b", "resp_1", NOW) is False
    assert store.get("acct_a", "resp_1", NOW) is not None


def test_retention_is_thirty_days_and_enforced(store: Blocking[SqliteResponseStore]) -> None:
    assert RETENTION_SECONDS == 30 * 24 * 3600
    store.put(_record())
    assert store.get("acct_a", "resp_1", NOW + RETENTION_SECONDS - 1) is not None
    assert store.get("acct_a", "resp_1", NOW + RETENTION_SECONDS) is None
    assert store.find_item("acct_a", "msg_in_resp_1", NOW + RETENTION_SECONDS) is None
    assert store.delete("acct_a", "resp_1", NOW + RETENTION_SECONDS) is False
    assert store.purge(NOW + RETENTION_SECONDS) == 1


def test_delete_removes_the_response_and_its_items(store: Blocking[SqliteResponseStore]) -> None:
    store.put(_record())
    assert store.delete("acct_a", "resp_1", NOW) is True
    assert store.get("acct_a", "resp_1", NOW) is None
    assert store.find_item("acct_a", "msg_out_resp_1", NOW) is None
    assert store.delete("acct_a", "resp_1", NOW) is False


def test_items_are_found_by_id(store: Blocking[SqliteResponseStore]) -> None:
    store.put(_record())
    found = store.find_item("acct_a", "msg_out_resp_1", NOW)
    assert found is not None and found["content"][0]["text"] == "Paris."
    assert store.find_item("acct_a", "msg_in_resp_1", NOW) is not None


def test_state_is_shared_by_two_instances_over_one_database(tmp_path: Path) -> None:
    blocking(SqliteResponseStore(tmp_path / "shared.db")).put(_record())
    assert blocking(SqliteResponseStore(tmp_path / "shared.db")).get("acct_a", "resp_1", NOW) is not None


# -- the conversation step ---------------------------------------------------------------------------------

_CATALOG = load_catalog(Settings().catalog_path)


def _scope(account: str = "acct_a") -> dict[str, Any]:
    return {"state": {"auth": SimpleNamespace(account_id=account)}}


def _request(**fields: Any) -> ResponsesRequest:
    body = {"model": "seed-2-0-pro", "input": "And Germany?", **fields}
    request = decode_responses(json.dumps(body).encode(), _CATALOG)
    assert isinstance(request, ResponsesRequest)
    return request


def test_previous_response_id_prepends_the_conversation_without_its_instructions(
        store: Blocking[SqliteResponseStore]) -> None:
    store.put(_record())
    request = _request(previous_response_id="resp_1", instructions="Answer in French.")
    blocking(ResponsesConversation(store.inner, clock=lambda: NOW)).resume(_scope(), request)
    assert [(m.role, m.content) for m in request.messages] == [
        ("system", "Answer in French."), ("user", "Capital of France?"), ("assistant", "Paris."),
        ("user", "And Germany?")]


@pytest.mark.parametrize("account", ["acct_b", "acct_a-expired"])
def test_a_foreign_or_expired_previous_response_is_400_previous_response_not_found(
        store: Blocking[SqliteResponseStore], account: str) -> None:
    store.put(_record())
    clock = NOW + RETENTION_SECONDS if account.endswith("expired") else NOW
    with pytest.raises(InvalidRequest) as caught:
        blocking(ResponsesConversation(store.inner, clock=lambda: clock)).resume(_scope(account.removesuffix("-expired")),
                                                                  _request(previous_response_id="resp_1"))
    assert (caught.value.code, caught.value.param) == ("previous_response_not_found", "previous_response_id")
    assert caught.value.message == "Previous response with id 'resp_1' not found."


def test_item_references_resolve_or_name_the_item(store: Blocking[SqliteResponseStore]) -> None:
    store.put(_record())
    conversation = blocking(ResponsesConversation(store.inner, clock=lambda: NOW))
    request = _request(input=[{"type": "item_reference", "id": "msg_out_resp_1"}, {"role": "user", "content": "More?"}])
    conversation.resume(_scope(), request)
    assert [(m.role, m.content) for m in request.messages] == [("assistant", "Paris."), ("user", "More?")]
    with pytest.raises(InvalidRequest) as caught:
        conversation.resume(_scope("acct_b"), _request(input=[{"role": "user", "content": "x"},
                                                              {"type": "item_reference", "id": "msg_out_resp_1"}]))
    assert caught.value.param == "input[1]" and caught.value.message.startswith("Invalid request at 'input[1]'")


def test_store_false_keeps_nothing_and_a_finished_response_is_kept(store: Blocking[SqliteResponseStore]) -> None:
    conversation = blocking(ResponsesConversation(store.inner, clock=lambda: NOW))
    body = {"id": "resp_new", "status": "completed", "created_at": NOW, "output": []}
    conversation.keep(_scope(), _request(store=False), body)
    assert store.get("acct_a", "resp_new", NOW) is None
    conversation.keep(_scope(), _request(), {**body, "status": "failed"})
    assert store.get("acct_a", "resp_new", NOW) is None
    request = _request()
    conversation.keep(_scope(), request, body)
    kept = store.get("acct_a", "resp_new", NOW)
    assert kept is not None and kept.response == body and kept.input_items == request.items
    assert kept.expires_at == NOW + RETENTION_SECONDS


# -- the input-items page ---------------------------------------------------------------------------------

_ITEMS = [{"id": f"i{n}"} for n in range(5)]


def test_input_items_page_as_openai_lists() -> None:
    assert page(_ITEMS, limit=20, order="desc", after=None) == {
        "object": "list", "data": list(reversed(_ITEMS)), "first_id": "i4", "last_id": "i0", "has_more": False}
    two = page(_ITEMS, limit=2, order="asc", after=None)
    assert [i["id"] for i in two["data"]] == ["i0", "i1"] and two["has_more"] is True
    rest = page(_ITEMS, limit=2, order="asc", after="i3")
    assert [i["id"] for i in rest["data"]] == ["i4"] and rest["has_more"] is False
    assert page([], limit=5, order="desc", after=None)["first_id"] is None
    with pytest.raises(InvalidRequest):
        page(_ITEMS, limit=2, order="asc", after="nope")
