"""Defects of stored Responses (D-53..D-55), as patches of ``state.responses`` (the store), of
``state.conversations["openai_responses"]`` (what a request continues, what is kept), of the Responses
codec's item errors, and ASGI layers in front of the retrieval routes."""

from __future__ import annotations

import dataclasses
import json
import time
from collections.abc import Sequence
from typing import Any
from urllib.parse import parse_qsl, urlencode

from starlette.types import ASGIApp, Receive, Scope, Send

from gateway.catalog import Catalog
from gateway.errors import InvalidRequest, NotFound
from gateway.formats.codec import Codec, Conversation, StreamEncoder
from gateway.formats.frames import Frame
from gateway.formats.openai_responses.conversation import ResponsesConversation, account_of
from gateway.formats.openai_responses.decode import ResponsesRequest, messages_of
from gateway.ir import ChatRequest, ChatResult, Message
from gateway.state import GatewayState
from gateway.store.responses import ResponseStore, StoredResponse
from gateway.testing.asgi import layer
from gateway.testing.codec_patches import Patch, PatchedCodec, json_object
from gateway.testing.registry import ActiveDefects, defect

__all__ = ["install"]

FORMAT = "openai_responses"
_SHARED = "acct_everyone"

PREVIOUS_IGNORED = defect("resp_previous_response_ignored", "previous_response_id continues the stored conversation")
INSTRUCTIONS_CARRIED = defect("resp_previous_instructions_carried",
                              "a previous response's instructions are not carried over")
PREVIOUS_404 = defect("resp_previous_not_found_is_404", "an unknown previous_response_id is 400 "
                                                        "previous_response_not_found")
STORED_DIFFERS = defect("resp_stored_response_differs", "GET returns the Response exactly as created")
STORE_FALSE_KEPT = defect("resp_store_false_stored", "a store: false response is not retrievable")
STREAM_NOT_KEPT = defect("resp_stream_not_stored", "a streamed response is stored once completed")
DELETE_KEEPS = defect("resp_delete_keeps_response", "a deleted response is gone (404, not continued)")
NOT_ISOLATED = defect("resp_stored_not_isolated", "another account cannot see or use a stored response")
PER_KEY = defect("resp_stored_per_key", "every key of the account sees its stored responses")
REFERENCE_IGNORED = defect("resp_item_reference_ignored", "an item_reference stands for the item it names")
UNKNOWN_REFERENCE_DROPPED = defect("resp_unknown_item_reference_dropped",
                                   "an unresolvable item_reference is a 400 naming input[i]")
ITEM_ERROR_DUMPS = defect("resp_item_error_dumps_input",
                          "an invalid input item is named (input[i]) and the input is never echoed")
UNSUPPORTED_DROPPED = defect("resp_background_dropped", "background: true and conversation are 400, not ignored")
OLDEST_FIRST = defect("resp_input_items_oldest_first", "input_items lists newest first by default")


class _PatchedStore:
    """``inner`` with the active store defects: accounts merged, deletions that keep the record, stored
    responses changed on the way in."""

    def __init__(self, inner: ResponseStore, active: ActiveDefects) -> None:
        self.inner, self.active = inner, active

    def _account(self, account_id: str) -> str:
        return _SHARED if self.active.on(NOT_ISOLATED.name) else account_id

    async def put(self, record: StoredResponse) -> None:
        if self.active.on(STORED_DIFFERS.name):
            changed = {**record.response, "created_at": record.response.get("created_at", 0) + 1, "metadata": {}}
            record = dataclasses.replace(record, response=changed)
        await self.inner.put(dataclasses.replace(record, account_id=self._account(record.account_id)))

    async def get(self, account_id: str, response_id: str, now: int) -> StoredResponse | None:
        return await self.inner.get(self._account(account_id), response_id, now)

    async def delete(self, account_id: str, response_id: str, now: int) -> bool:
        if self.active.on(DELETE_KEEPS.name):
            return await self.get(account_id, response_id, now) is not None
        return await self.inner.delete(self._account(account_id), response_id, now)

    async def find_item(self, account_id: str, item_id: str, now: int) -> dict[str, Any] | None:
        return await self.inner.find_item(self._account(account_id), item_id, now)

    async def purge(self, now: int) -> int:
        return await self.inner.purge(now)


class _PatchedConversation:
    """``inner`` with the active continuation and keeping defects."""

    def __init__(self, inner: Conversation, store: ResponseStore, active: ActiveDefects) -> None:
        self.inner, self.store, self.active = inner, store, active

    async def _strip_references(self, scope: Scope, own: ResponsesRequest) -> None:
        if self.active.on(REFERENCE_IGNORED.name):
            own.items = [i for i in own.items if i.get("type") != "item_reference"]
        elif self.active.on(UNKNOWN_REFERENCE_DROPPED.name):
            account = account_of(scope)
            own.items = [i for i in own.items if i.get("type") != "item_reference"
                         or await self.store.find_item(account, str(i.get("id")), _now()) is not None]

    async def resume(self, scope: Scope, request: ChatRequest) -> None:
        assert isinstance(request, ResponsesRequest)
        await self._strip_references(scope, request)
        try:
            await self.inner.resume(scope, request)
        except InvalidRequest as error:
            if error.code == "previous_response_not_found" and self.active.on(PREVIOUS_404.name):
                raise NotFound(error.message, code="response_not_found") from None
            raise
        if self.active.on(PREVIOUS_IGNORED.name):
            request.context = []
            request.messages = messages_of(request.instructions, request.items)
        if self.active.on(INSTRUCTIONS_CARRIED.name) and request.previous_response_id is not None:
            previous = await self.store.get(account_of(scope), request.previous_response_id, _now())
            carried = (previous.response.get("instructions") if previous else None) or ""
            at = 1 if request.instructions else 0
            if carried:
                request.messages.insert(at, Message("system", str(carried)))

    async def keep(self, scope: Scope, request: ChatRequest, response: dict[str, Any] | None) -> None:
        if self.active.on(STORE_FALSE_KEPT.name) and isinstance(request, ResponsesRequest):
            request.store = True
        await self.inner.keep(scope, request, response)

    async def keep_stream(self, scope: Scope, request: ChatRequest, frames: Sequence[Frame]) -> None:
        if self.active.on(STREAM_NOT_KEPT.name):
            return
        if self.active.on(STORE_FALSE_KEPT.name) and isinstance(request, ResponsesRequest):
            request.store = True
        await self.inner.keep_stream(scope, request, frames)


def _now() -> int:
    return int(time.time())


class _DumpingCodec:
    """``inner``, except that an error on an input item is reported on ``input`` with the whole input."""

    def __init__(self, inner: Codec, active: ActiveDefects) -> None:
        self.inner, self.active = inner, active

    def decode(self, raw: bytes, catalog: Catalog) -> ChatRequest:
        try:
            return self.inner.decode(raw, catalog)
        except InvalidRequest as error:
            if not self.active.on(ITEM_ERROR_DUMPS.name) or not (error.param or "").startswith("input["):
                raise
            sent = json.loads(raw).get("input")
            raise InvalidRequest(f"Invalid request at 'input': {json.dumps(sent)} is not valid under any of the "
                                 f"schemas listed in the 'oneOf' keyword", param="input") from None

    def encode(self, request: ChatRequest, result: ChatResult) -> dict[str, Any]:
        return self.inner.encode(request, result)

    def stream_encoder(self, request: ChatRequest) -> StreamEncoder:
        return self.inner.stream_encoder(request)


def _unsupported_dropped(raw: bytes) -> bytes:
    body = json_object(raw)
    if body is None or not {"background", "conversation"} & set(body):
        return raw
    return json.dumps({k: v for k, v in body.items() if k not in ("background", "conversation")}).encode()


def _retrieval(scope: Scope) -> bool:
    return scope.get("type") == "http" and scope["path"].startswith("/v1/responses/")


@layer(PER_KEY, at="authenticated")
def _per_key(app: ASGIApp) -> ASGIApp:
    async def keyed(scope: Scope, receive: Receive, send: Send) -> None:
        auth = (scope.get("state") or {}).get("auth")
        if _retrieval(scope) and auth is not None:
            scope["state"]["auth"] = dataclasses.replace(auth, account_id=f"{auth.account_id}/{auth.key_id}")
        await app(scope, receive, send)
    return keyed


@layer(OLDEST_FIRST, at="authenticated")
def _oldest_first(app: ASGIApp) -> ASGIApp:
    async def ascending(scope: Scope, receive: Receive, send: Send) -> None:
        if _retrieval(scope) and scope["path"].endswith("/input_items"):
            pairs = parse_qsl(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True)
            if not any(name == "order" for name, _ in pairs):
                scope = {**scope, "query_string": urlencode([*pairs, ("order", "asc")]).encode("latin-1")}
        await app(scope, receive, send)
    return ascending


def install(state: GatewayState, active: ActiveDefects) -> None:
    """Wrap the response store, the Responses conversation and (outermost) the Responses codec."""
    store = _PatchedStore(state.responses, active)
    state.responses = store
    inner = state.conversations[FORMAT]
    if isinstance(inner, ResponsesConversation):
        inner.store = store
    state.conversations[FORMAT] = _PatchedConversation(inner, store, active)
    patched = PatchedCodec(state.codecs[FORMAT], (Patch(UNSUPPORTED_DROPPED, raw=_unsupported_dropped),), active)
    state.codecs[FORMAT] = _DumpingCodec(patched, active)
