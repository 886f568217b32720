"""Media parts that name an uploaded file (D-59, D-83): each ``bunny://`` path or file id is resolved to a
stored file of the requesting account and sent inline, never forwarded as written."""

from __future__ import annotations

import base64
import dataclasses

from gateway.errors import InvalidRequest
from gateway.ir import ChatRequest
from gateway.ir.media import check_carried, unresolved
from gateway.store.files import FileStore

__all__ = ["resolve_files"]


async def resolve_files(request: ChatRequest, files: FileStore, account_id: str, now: int) -> None:
    """Replace every stored-file part of ``request`` by its data; 400 naming the part when the path or id
    names no live file of ``account_id``, a file of another kind, or one the model's family cannot carry."""
    for message in request.messages:
        for n, part in enumerate(message.media):
            if part.source not in ("bunny", "file_id"):
                continue
            record = await files.find(account_id, part.value.strip(), now)
            data = await files.content(account_id, record.id, now) if record is not None else None
            if record is None or data is None:
                raise unresolved(part)
            if part.kind != "file" and not record.content_type.startswith(f"{part.kind}/"):
                raise InvalidRequest(
                    f"The stored file at '{part.where}' is {record.content_type}, not {part.kind}.", param=part.where)
            resolved = dataclasses.replace(part, source="data", value=base64.b64encode(data).decode("ascii"),
                                           media_type=record.content_type, filename=part.filename or record.filename)
            check_carried(request.model, resolved)
            message.media[n] = resolved
