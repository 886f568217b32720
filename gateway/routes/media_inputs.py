"""Media inputs of the media endpoints given as ``bunny://`` paths (D-114, D-115): resolved against the
requesting account's live uploads, before admission, and never forwarded as written."""

from __future__ import annotations

import base64

from gateway.errors import InvalidRequest
from gateway.store.files import FileStore

__all__ = ["stored_data_url", "stored_file"]


async def stored_file(files: FileStore, account_id: str, path: str, now: int, param: str,
                kinds: tuple[str, ...]) -> tuple[bytes, str]:
    """The bytes and content type of the account's upload at ``path``; 400 naming ``param`` when it names no
    live file of the account or one not of ``kinds`` (``audio``, ``video``, ``image``)."""
    record = await files.find(account_id, path.strip(), now)
    data = await files.content(account_id, record.id, now) if record is not None else None
    if record is None or data is None:
        raise InvalidRequest(f"'{param}' names no uploaded file of this account.", code="invalid_parameter",
                             param=param)
    if record.content_type.split("/", 1)[0] not in kinds:
        raise InvalidRequest(f"The stored file at '{param}' is {record.content_type}, not {' or '.join(kinds)}.",
                             code="invalid_parameter", param=param)
    return data, record.content_type


async def stored_data_url(files: FileStore, account_id: str, path: str, now: int, param: str, kind: str) -> str:
    """The account's upload at ``path`` as a base64 ``data:`` URL."""
    data, content_type = await stored_file(files, account_id, path, now, param, (kind,))
    return f"data:{content_type};base64,{base64.b64encode(data).decode('ascii')}"
