"""``POST /v1/files/upload`` (D-16, D-81, D-82): a multipart upload stored for the uploading account.

The ``file`` part is read up to the cap (413 beyond it), its content type decided by sniffing the bytes
(:class:`gateway.files.FileIntake`), and it is stored with an unguessable id and ``bunny://`` path that
only its account resolves. Free: no credit check and no generation budget (D-3).
"""

from __future__ import annotations

import json
import re
import secrets

from starlette.datastructures import UploadFile
from starlette.formparsers import MultiPartException, MultiPartParser
from starlette.requests import Request
from starlette.responses import Response

from gateway.errors import InvalidRequest, RequestTooLarge
from gateway.formats.openai_responses.conversation import account_of
from gateway.routes.testmode import maybe_fail
from gateway.state import state_of
from gateway.store.files import FILE_RETENTION_SECONDS, StoredFile

__all__ = ["BUNNY_PREFIX", "upload_file"]

BUNNY_PREFIX = "bunny://uploads/"
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
_MAX_PURPOSE = 64


def _safe_name(filename: str) -> str:
    base = re.split(r"[\\/]", filename)[-1]
    return _UNSAFE.sub("_", base).strip("._")[:128] or "file"


async def _form_parts(request: Request) -> tuple[UploadFile | str | None, str | None]:
    """(the ``file`` entry, the ``purpose`` text) of a multipart body; 400 ``invalid_multipart`` otherwise."""
    if not request.headers.get("content-type", "").lower().startswith("multipart/form-data"):
        raise InvalidRequest("The body must be multipart/form-data with a 'file' part.", code="invalid_multipart")
    try:
        form = await MultiPartParser(request.headers, request.stream(), max_files=1, max_fields=8).parse()
    except MultiPartException as exc:
        raise InvalidRequest(f"The multipart body is malformed: {exc.message}", code="invalid_multipart") from exc
    purpose = form.get("purpose")
    if purpose is not None and (not isinstance(purpose, str) or len(purpose) > _MAX_PURPOSE):
        raise InvalidRequest(f"'purpose' must be text of at most {_MAX_PURPOSE} characters.", param="purpose")
    return form.get("file"), purpose


async def upload_file(request: Request) -> Response:
    maybe_fail(request)
    state = state_of(request.scope)
    intake = state.intake
    part, purpose = await _form_parts(request)
    if not isinstance(part, UploadFile):
        raise InvalidRequest("A 'file' part (with a filename) is required.", code="missing_parameter", param="file")
    data = await part.read(intake.cap + 1)
    if len(data) > intake.cap:
        raise RequestTooLarge(f"The file exceeds the upload limit of {intake.cap} bytes.")
    if not data:
        raise InvalidRequest("The file is empty.", param="file")
    content_type = intake.content_type(data, part.content_type)
    file_id = f"file_{secrets.token_urlsafe(18)}"
    filename = (part.filename or "file")[:255]
    now = int(state.clock.now())
    record = StoredFile(
        id=file_id, account_id=account_of(request.scope), path=f"{BUNNY_PREFIX}{file_id}/{_safe_name(filename)}",
        filename=filename, content_type=content_type, bytes=len(data), purpose=purpose, created_at=now,
        expires_at=now + FILE_RETENTION_SECONDS)
    await state.files.put(record, data)
    return Response(json.dumps(record.public(), ensure_ascii=False), media_type="application/json")
