"""Stored Responses (D-18, D-53..D-55): ``store`` (default true), ``GET`` / ``DELETE /v1/responses/{id}``,
``/input_items``, ``previous_response_id`` and ``item_reference`` input items, per account.

What reached the model is seen two ways: the usage (a continued turn costs more input tokens than the same
input alone, on any deployment) and, when the mocks' request logs are known (``--mock-control``), the
upstream request itself, found by a marker unique to the turn. Isolation needs ``--other-account-key``.
"""

from __future__ import annotations

import secrets
from typing import Any

import httpx
import pytest

from suites.checks import expect, fail, holds
from suites.checks import stored_responses as stored
from suites.client import ApiClient
from suites.contract import Contract
from suites.discovery import Discovery
from suites.plugin import Target
from suites.responses_stream import create, plain_model, response_body, stream_responses
from suites.upstreams import UpstreamLog, not_forwarded

STREAMS = pytest.mark.parametrize("stream", [False, True], ids=["non-stream", "stream"])


def _marker(name: str) -> str:
    return f"{name}{secrets.token_hex(4)}"


def _created(api: ApiClient, body: dict[str, Any], *, stream: bool = False, key: str | None = None) -> dict[str, Any]:
    """The Response a create answered (a stream's terminal response)."""
    if stream:
        final = stream_responses(api, {**body, "stream": True}, key=key).final
        holds("valid_request_200", isinstance(final, dict), "the stream carried no terminal response")
        return final or {}
    response = create(api, body, key=key)
    holds("valid_request_200", response.status_code == 200, f"{response.status_code}: {response.text[:300]!r}")
    return response.json()  # type: ignore[no-any-return]


def _get(api: ApiClient, response_id: str, suffix: str = "", **kwargs: Any) -> httpx.Response:
    return api.get(f"/v1/responses/{response_id}{suffix}", **kwargs)


def _upstream_text(target: Target, marker: str) -> str | None:
    """The texts of the first upstream request carrying ``marker`` (the turn itself; the same input sent alone
    comes later), or ``None`` without the mocks' logs."""
    if not target.mock_control:
        return None
    with UpstreamLog(target.mock_control) as log:
        bodies = log.containing(marker)
    holds("previous_response_continues", bool(bodies), f"no upstream request carried the turn's marker {marker}")
    return stored.conversation_text(bodies[0])


def _alone_tokens(api: ApiClient, model: dict[str, Any], text: str) -> int:
    return int(_created(api, response_body(model, text, store=False))["usage"]["input_tokens"])


@pytest.fixture
def model(api: ApiClient, discovery: Discovery) -> dict[str, Any]:
    return plain_model(discovery, api)


@STREAMS
@pytest.mark.rule("previous_response_continues", "previous_instructions_not_carried", "previous_response_id_echoed")
def test_conversation_continues(api: ApiClient, target: Target, model: dict[str, Any], stream: bool) -> None:
    codeword, rule1, turn2 = _marker("codeword"), _marker("instruction"), _marker("turn")
    first = _created(api, response_body(model, f"Remember the codeword {codeword}.",
                                        instructions=f"Obey rule {rule1}."), stream=stream)
    question = f"Which codeword did I give you? ({turn2})"
    second = _created(api, response_body(model, question, previous_response_id=first["id"],
                                         instructions="Answer briefly."), stream=stream)
    expect("previous_response_id_echoed", second.get("previous_response_id") == first["id"],
           f"previous_response_id {first['id']!r}", second.get("previous_response_id"))
    alone = _alone_tokens(api, model, question)
    holds("previous_response_continues", second["usage"]["input_tokens"] > alone,
          f"the continued turn used {second['usage']['input_tokens']} input tokens, the same input alone {alone}: "
          f"the previous turn did not reach the model")
    seen = _upstream_text(target, turn2)
    if seen is None:
        return
    answer = "".join(p.get("text", "") for i in first["output"] if i.get("type") == "message" for p in i["content"])
    holds("previous_response_continues", codeword in seen and answer.strip() in seen,
          f"the upstream request of the second turn lacks the first turn's input or output: {seen[:300]!r}")
    holds("previous_instructions_not_carried", rule1 not in seen and "Answer briefly." in seen,
          f"the second turn's upstream request should carry its own instructions only: {seen[:300]!r}")


@STREAMS
@pytest.mark.rule("stored_response_retrieved", "store_echo")
def test_retrieve_equals_create(api: ApiClient, model: dict[str, Any], stream: bool) -> None:
    created = _created(api, response_body(model, metadata={"suite": "state"}), stream=stream)
    holds("store_echo", created.get("store") is True, f"store {created.get('store')!r} without store: false")
    fetched = _get(api, created["id"])
    holds("stored_response_retrieved", fetched.status_code == 200, f"{fetched.status_code}: {fetched.text[:300]!r}")
    body = fetched.json()
    differs = sorted(k for k in set(body) | set(created) if body.get(k) != created.get(k))
    holds("stored_response_retrieved", not differs,
          f"GET differs from the created response in {differs}: {[(created.get(k), body.get(k)) for k in differs][:3]}")


@pytest.mark.rule("store_false_not_stored", "store_echo")
def test_store_false_is_not_retrievable(api: ApiClient, contract: Contract, model: dict[str, Any]) -> None:
    created = _created(api, response_body(model, store=False))
    holds("store_echo", created.get("store") is False, f"store {created.get('store')!r} after store: false")
    stored.not_found(_get(api, created["id"]), contract, "store_false_not_stored")
    stored.previous_not_found(create(api, response_body(model, previous_response_id=created["id"])), contract,
                              "store_false_not_stored")


@pytest.mark.rule("response_deleted", "previous_response_not_found")
def test_deleted_response_is_gone(api: ApiClient, contract: Contract, model: dict[str, Any]) -> None:
    created = _created(api, response_body(model))
    deleted = api.request("DELETE", f"/v1/responses/{created['id']}")
    holds("response_deleted", deleted.status_code == 200, f"{deleted.status_code}: {deleted.text[:300]!r}")
    expect("response_deleted", deleted.json() == {"id": created["id"], "object": "response.deleted", "deleted": True},
           "the deletion object {id, object: response.deleted, deleted: true}", deleted.json())
    stored.not_found(_get(api, created["id"]), contract, "response_deleted")
    stored.not_found(api.request("DELETE", f"/v1/responses/{created['id']}"), contract, "response_deleted")
    stored.previous_not_found(create(api, response_body(model, previous_response_id=created["id"])), contract)


@STREAMS
@pytest.mark.rule("previous_response_not_found", "response_not_found_404", "rejected_by_gateway")
def test_unknown_ids(api: ApiClient, contract: Contract, model: dict[str, Any], stream: bool) -> None:
    unknown = f"resp_{secrets.token_hex(16)}"
    response = create(api, response_body(model, previous_response_id=unknown, stream=stream))
    stored.previous_not_found(response, contract)
    holds("previous_response_not_found", unknown in response.json()["error"]["message"],
          f"the message should name the id: {response.json()['error']['message']!r}")
    not_forwarded(response)
    stored.not_found(_get(api, unknown), contract, "response_not_found_404")
    stored.not_found(_get(api, unknown, "/input_items"), contract, "response_not_found_404")


@pytest.mark.rule("stored_response_isolated")
def test_another_account_sees_nothing(api: ApiClient, contract: Contract, model: dict[str, Any],
                                      other_account_key: str) -> None:
    created = _created(api, response_body(model))
    own = created["output"][-1]["id"]
    for suffix in ("", "/input_items"):
        stored.not_found(_get(api, created["id"], suffix, key=other_account_key), contract, "stored_response_isolated")
    stored.not_found(api.request("DELETE", f"/v1/responses/{created['id']}", key=other_account_key), contract,
                     "stored_response_isolated")
    stored.previous_not_found(create(api, response_body(model, previous_response_id=created["id"]),
                                     key=other_account_key), contract, "stored_response_isolated")
    referenced = create(api, response_body(model, [{"type": "item_reference", "id": own}]), key=other_account_key)
    holds("stored_response_isolated", referenced.status_code == 400,
          f"another account's item_reference answered {referenced.status_code}: {referenced.text[:200]!r}")
    holds("stored_response_isolated", _get(api, created["id"]).status_code == 200,
          "the owner lost the response after another account tried to delete it")


@pytest.mark.rule("stored_response_per_account")
def test_every_key_of_the_account_sees_it(api: ApiClient, model: dict[str, Any], second_key: str) -> None:
    created = _created(api, response_body(model))
    fetched = _get(api, created["id"], key=second_key)
    holds("stored_response_per_account", fetched.status_code == 200 and fetched.json().get("id") == created["id"],
          f"another key of the same account got {fetched.status_code}: {fetched.text[:200]!r}")


@STREAMS
@pytest.mark.rule("item_reference_resolved")
def test_item_reference_round_trip(api: ApiClient, target: Target, model: dict[str, Any], stream: bool) -> None:
    codeword, turn = _marker("codeword"), _marker("turn")
    first = _created(api, response_body(model, f"Remember the codeword {codeword}."))
    listed = _get(api, first["id"], "/input_items").json()["data"]
    question = f"Which codeword did I give you? ({turn})"
    refs = [{"type": "item_reference", "id": listed[0]["id"]},
            *[{"type": "item_reference", "id": i["id"]} for i in first["output"]]]
    second = _created(api, response_body(model, [*refs, {"role": "user", "content": question}]), stream=stream)
    alone = _alone_tokens(api, model, question)
    holds("item_reference_resolved", second["usage"]["input_tokens"] > alone,
          f"with the references the turn used {second['usage']['input_tokens']} input tokens, alone {alone}: the "
          f"referenced items did not reach the model")
    if target.mock_control:
        with UpstreamLog(target.mock_control) as log:
            seen = stored.conversation_text(log.containing(turn)[0])
        holds("item_reference_resolved", codeword in seen, f"the referenced input is not upstream: {seen[:300]!r}")


@pytest.mark.rule("item_reference_unknown_400", "input_item_error_named")
def test_unknown_item_reference_is_400_naming_it(api: ApiClient, contract: Contract, model: dict[str, Any]) -> None:
    context = "Context that must never be echoed back. " * 30
    items = [{"role": "user", "content": context}, {"role": "user", "content": "Go on."},
             {"type": "item_reference", "id": f"msg_{secrets.token_hex(12)}"}]
    response = create(api, response_body(model, items))
    if response.status_code != 400:
        fail("item_reference_unknown_400", f"{response.status_code}: {response.text[:200]!r}")
        return
    error = response.json()["error"]
    holds("item_reference_unknown_400", error.get("param") == "input[2]", f"param {error.get('param')!r}, not input[2]")
    holds("input_item_error_named", "input[2]" in error["message"] and "never be echoed" not in error["message"],
          f"the message should name input[2] and not echo the input: {error['message'][:200]!r}")
    not_forwarded(response)


INVALID_ITEMS: dict[str, dict[str, Any]] = {
    "function-call-without-call-id": {"type": "function_call", "name": "f", "arguments": "{}"},
    "unknown-role": {"type": "message", "role": "robot", "content": "x"},
    "unknown-type": {"type": "no_such_item", "text": "x"},
}


@pytest.mark.parametrize("case", list(INVALID_ITEMS))
@pytest.mark.rule("input_item_error_named")
def test_invalid_item_is_named_not_dumped(api: ApiClient, contract: Contract, model: dict[str, Any], case: str) -> None:
    context = "Context that must never be echoed back. " * 30
    items = [{"role": "user", "content": context}, {"role": "assistant", "content": "Yes."},
             {"role": "user", "content": "More."}, INVALID_ITEMS[case]]
    response = create(api, response_body(model, items))
    if response.status_code != 400:
        fail("input_item_error_named", f"{response.status_code}: {response.text[:200]!r}")
        return
    error = response.json()["error"]
    holds("input_item_error_named", str(error.get("param") or "").startswith("input[3]"),
          f"param {error.get('param')!r} should name input[3]")
    holds("input_item_error_named", "input[3]" in error["message"] and "never be echoed" not in error["message"]
          and len(error["message"]) < 300, f"the message should name input[3], briefly: {error['message'][:300]!r}")


@pytest.mark.rule("input_items_listed")
def test_input_items_listed(api: ApiClient, contract: Contract, model: dict[str, Any]) -> None:
    texts = [f"first {_marker('a')}", f"second {_marker('b')}", f"third {_marker('c')}"]
    created = _created(api, response_body(model, [{"role": "user", "content": t} for t in texts]))

    def listed(**query: Any) -> dict[str, Any]:
        response = _get(api, created["id"], "/input_items", params=query)
        holds("input_items_listed", response.status_code == 200, f"{query}: {response.status_code} {response.text[:200]!r}")
        return response.json()  # type: ignore[no-any-return]

    def text(item: dict[str, Any]) -> str:
        content = item.get("content")
        return content if isinstance(content, str) else "".join(p.get("text", "") for p in content or ())

    newest = listed()
    expect("input_items_listed", [text(i) for i in newest["data"]] == texts[::-1] and newest["has_more"] is False,
           f"the three inputs newest first, has_more false: {texts[::-1]}", newest)
    expect("input_items_listed", newest["first_id"] == newest["data"][0]["id"] and
           newest["last_id"] == newest["data"][-1]["id"], "first_id / last_id the page's ends", newest)
    page = listed(order="asc", limit=2)
    expect("input_items_listed", [text(i) for i in page["data"]] == texts[:2] and page["has_more"] is True,
           f"order=asc limit=2: the first two inputs and has_more true: {texts[:2]}", page)
    rest = listed(order="asc", limit=2, after=page["last_id"])
    expect("input_items_listed", [text(i) for i in rest["data"]] == texts[2:] and rest["has_more"] is False,
           f"after {page['last_id']}: the third input only and has_more false", rest)
    for query in ({"limit": 0}, {"limit": 101}, {"order": "sideways"}):
        bad = _get(api, created["id"], "/input_items", params=query)
        holds("input_items_listed", bad.status_code == 400 and bad.json()["error"].get("param") == next(iter(query)),
              f"{query}: {bad.status_code} {bad.text[:200]!r}, expected a 400 naming {next(iter(query))}")
    for method, suffix in (("GET", ""), ("DELETE", ""), ("GET", "/input_items")):
        anonymous = api.request(method, f"/v1/responses/{created['id']}{suffix}", auth="none")
        holds("input_items_listed", anonymous.status_code == 401, f"{method} without a key: {anonymous.status_code}")


UNSUPPORTED: dict[str, Any] = {"background": True, "conversation": "conv_123"}


@pytest.mark.parametrize("field", list(UNSUPPORTED))
@pytest.mark.rule("stateful_unsupported_400", "rejected_by_gateway")
def test_background_and_conversation_are_400(api: ApiClient, contract: Contract, model: dict[str, Any],
                                             field: str) -> None:
    response = create(api, response_body(model, **{field: UNSUPPORTED[field]}))
    if response.status_code != 400:
        fail("stateful_unsupported_400", f"{field}: {response.status_code} {response.text[:200]!r}")
        return
    error = response.json()["error"]
    expect("stateful_unsupported_400", (error.get("code"), error.get("param")) == ("unsupported_parameter", field),
           f"unsupported_parameter naming {field}", error)
    not_forwarded(response)
