"""Stateful Responses around the generation runner (D-53, D-54, D-55): what a request continues, and
what a finished response leaves in the :class:`~gateway.store.responses.ResponseStore`.

:meth:`ResponsesConversation.resume` runs after decoding, before admission: ``previous_response_id``
prepends the stored conversation (the previous response's context and output, never its ``instructions``)
and each ``item_reference`` becomes the account's stored item it names; then the IR messages are rebuilt.
:meth:`~ResponsesConversation.keep` stores a finished (``completed`` / ``incomplete``) Response exactly as
it was returned, unless the request said ``store: false``.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any

from starlette.types import Scope

from gateway.errors import InvalidRequest
from gateway.formats.frames import Frame
from gateway.formats.openai_responses.decode import ResponsesRequest, messages_of
from gateway.ir import ChatRequest, check_media
from gateway.store.responses import RETENTION_SECONDS, ResponseStore, StoredResponse

__all__ = ["KEPT_STATUSES", "ResponsesConversation", "account_of"]

KEPT_STATUSES = ("completed", "incomplete")
_TERMINAL = ("response.completed", "response.incomplete")


def account_of(scope: Scope) -> str:
    return str(scope["state"]["auth"].account_id)


def _own(request: ChatRequest) -> ResponsesRequest:
    assert isinstance(request, ResponsesRequest), "stored conversations are Responses requests"
    return request


class ResponsesConversation:
    def __init__(self, store: ResponseStore, clock: Callable[[], float] = time.time) -> None:
        self.store, self.clock = store, clock

    def _now(self) -> int:
        return int(self.clock())

    async def resume(self, scope: Scope, request: ChatRequest) -> None:
        """Resolve ``previous_response_id`` and ``item_reference`` items of ``request`` (a 400 naming the
        field when one is not a live item of the request's account)."""
        own = _own(request)
        account, now = account_of(scope), self._now()
        changed = False
        if own.previous_response_id is not None:
            previous = await self.store.get(account, own.previous_response_id, now)
            if previous is None:
                raise InvalidRequest(f"Previous response with id '{own.previous_response_id}' not found.",
                                     code="previous_response_not_found", param="previous_response_id")
            own.context, changed = previous.conversation(), True
        for n, item in enumerate(own.items):
            if item.get("type") != "item_reference":
                continue
            found = await self.store.find_item(account, str(item.get("id")), now)
            if found is None:
                raise InvalidRequest(f"Invalid request at 'input[{n}]': no stored item with id '{item.get('id')}' "
                                     f"(item_reference names an input or output item of a stored response).",
                                     code="item_not_found", param=f"input[{n}]")
            own.items[n], changed = found, True
        if changed:
            own.messages = messages_of(own.instructions, [*own.context, *own.items])
            check_media(own.model, own.messages)

    async def keep(self, scope: Scope, request: ChatRequest, response: dict[str, Any] | None) -> None:
        """Store ``response`` (the Response object as returned) if the request asks and it finished."""
        own = _own(request)
        if not own.store or response is None or response.get("status") not in KEPT_STATUSES:
            return
        created = int(response.get("created_at") or self._now())
        await self.store.purge(self._now())
        await self.store.put(StoredResponse(
            id=str(response["id"]), account_id=account_of(scope), response=response, input_items=own.items,
            context=[*own.context, *own.items], created_at=created, expires_at=created + RETENTION_SECONDS,
        ))

    async def keep_stream(self, scope: Scope, request: ChatRequest, frames: Sequence[Frame]) -> None:
        """Store the terminal event's Response of a stream that ended normally."""
        for frame in frames:
            if frame.event in _TERMINAL and isinstance(frame.data, dict):
                await self.keep(scope, request, frame.data.get("response"))
