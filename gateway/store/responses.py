"""Stored Responses (D-53): what ``store: true`` keeps, per account, for ``GET``/``DELETE /v1/responses/{id}``,
``/input_items``, ``previous_response_id`` and ``item_reference`` input items.

:class:`ResponseStore` is the interface (a Redis or Postgres store implements the same five methods);
:class:`gateway.store.sqlite_responses.SqliteResponseStore` the default. State lives in the store, never in
process memory, so any gateway instance sharing the store continues any conversation. A record expires
:data:`RETENTION_SECONDS` after it was created; an expired, deleted or foreign id is simply not found.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

__all__ = ["RETENTION_SECONDS", "ResponseStore", "StoredResponse"]

RETENTION_SECONDS = 30 * 24 * 3600
"""30 days, as OpenAI keeps stored responses (D-53)."""


@dataclass(frozen=True)
class StoredResponse:
    """One stored response of ``account_id``.

    ``response`` is the Response object exactly as returned; ``input_items`` the request's own input items
    (with ids, item references resolved); ``context`` every item the model saw before its output: the
    previous response's context and output, then ``input_items``. Continuing it sends ``context`` +
    ``response["output"]`` + the new input.
    """

    id: str
    account_id: str
    response: dict[str, Any]
    input_items: list[dict[str, Any]]
    context: list[dict[str, Any]]
    created_at: int
    expires_at: int

    def conversation(self) -> list[dict[str, Any]]:
        """The items a response continuing this one starts from."""
        return [*self.context, *self.response.get("output", ())]


class ResponseStore(Protocol):
    async def put(self, record: StoredResponse) -> None: ...

    async def get(self, account_id: str, response_id: str, now: int) -> StoredResponse | None:
        """The live record, or ``None`` (unknown, another account's, deleted or expired)."""
        ...

    async def delete(self, account_id: str, response_id: str, now: int) -> bool:
        """Whether a live record was deleted."""
        ...

    async def find_item(self, account_id: str, item_id: str, now: int) -> dict[str, Any] | None:
        """An input or output item of one of the account's live records, by item id."""
        ...

    async def purge(self, now: int) -> int:
        """Remove expired records; how many."""
        ...
