"""Defects of file uploads (``POST /v1/files/upload``, D-16, D-81, D-82): the intake (``state.intake``:
the cap and the content-type decision), the file store (``state.files``, also the sweeper's: which account
and which moment a file resolves for, what a sweep deletes) and layers around the upload route (the credit gate, the body)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from starlette.types import ASGIApp, Receive, Scope, Send

from gateway.errors import InsufficientCredits
from gateway.files import UPLOAD_PATH, Intake
from gateway.files.sniff import sniff
from gateway.middleware.errors import send_error
from gateway.state import GatewayState, state_of
from gateway.store.files import FileStore, StoredFile
from gateway.testing.asgi import Layer, Reply, json_body, layer, rewrite_response
from gateway.testing.registry import ActiveDefects, defect

__all__ = ["install"]

UPLOAD_CLAIMED_TYPE_TRUSTED = defect(
    "upload_claimed_type_trusted", "an upload's content type is its bytes' type; a spoofed claim is 400 (D-81)")
UPLOAD_UNACCEPTED_TYPE_STORED = defect(
    "upload_unaccepted_type_stored", "uploads take audio, image and video only: others are 400 (D-16, D-81)")
UPLOAD_CAP_NOT_ENFORCED = defect("upload_cap_not_enforced", "a file over upload_max_bytes is 413 (D-82)")
UPLOAD_CHARGED = defect("upload_charged", "uploads are free: an account without credits uploads (D-16)")
UPLOAD_WRONG_SHAPE = defect(
    "upload_wrong_shape", "an upload answers the bunny:// storage path of the stored file (D-16)")
UPLOAD_MISSING_FILE_UNNAMED = defect(
    "upload_missing_file_unnamed", "an upload without a file part is 400 missing_parameter naming file (D-16)")
UPLOAD_401_IN_ANTHROPIC_ENVELOPE = defect(
    "upload_401_in_anthropic_envelope", "an upload without a key is 401 in the OpenAI envelope")
UPLOAD_PATH_NOT_BOUND = defect(
    "upload_path_not_bound", "an uploaded file resolves for its own account only (D-81, D-83)")
UPLOAD_NOT_SWEPT = defect(
    "upload_not_swept", "an upload is deleted 30 days after it was made: its path no longer resolves (D-81, D-133)")
UPLOAD_PATH_UNRESOLVED = defect(
    "upload_path_unresolved", "the account's uploaded bunny:// path is taken in a chat media part (D-83)")

_NO_CAP = 1 << 40
_OCTETS = "application/octet-stream"


class _Intake:
    """The upload intake, with the defects of the cap and the content-type decision."""

    def __init__(self, intake: Intake, active: ActiveDefects) -> None:
        self._intake, self._active = intake, active

    @property
    def cap(self) -> int:
        return _NO_CAP if self._active.on(UPLOAD_CAP_NOT_ENFORCED.name) else self._intake.cap

    @property
    def body_limit(self) -> int:
        return _NO_CAP if self._active.on(UPLOAD_CAP_NOT_ENFORCED.name) else self._intake.body_limit

    def content_type(self, data: bytes, claimed: str | None) -> str:
        declared = (claimed or "").split(";", 1)[0].strip().lower()
        if self._active.on(UPLOAD_CLAIMED_TYPE_TRUSTED.name) and declared not in ("", _OCTETS):
            return declared
        if self._active.on(UPLOAD_UNACCEPTED_TYPE_STORED.name):
            found = sniff(data)
            if found is None or found.split("/", 1)[0] not in ("audio", "image", "video"):
                return found or declared or _OCTETS
        return self._intake.content_type(data, claimed)


class _Files:
    """The file store, resolving no file, or any account's file by id or path (from an index of what was
    uploaded through it), while the defects are on."""

    def __init__(self, files: FileStore, active: ActiveDefects) -> None:
        self._files, self._active = files, active
        self._owners: dict[str, str] = {}

    async def put(self, record: StoredFile, data: bytes) -> None:
        await self._files.put(record, data)
        self._owners[record.id] = self._owners[record.path] = record.account_id

    def _owner(self, account_id: str, reference: str) -> str:
        if self._active.on(UPLOAD_PATH_NOT_BOUND.name):
            return self._owners.get(reference.strip(), account_id)
        return account_id

    def _now(self, now: int) -> int:
        return 0 if self._active.on(UPLOAD_NOT_SWEPT.name) else now

    async def find(self, account_id: str, reference: str, now: int) -> StoredFile | None:
        if self._active.on(UPLOAD_PATH_UNRESOLVED.name):
            return None
        return await self._files.find(self._owner(account_id, reference), reference, self._now(now))

    async def content(self, account_id: str, file_id: str, now: int) -> bytes | None:
        return await self._files.content(self._owner(account_id, file_id), file_id, self._now(now))

    async def purge(self, now: int) -> int:
        return 0 if self._active.on(UPLOAD_NOT_SWEPT.name) else await self._files.purge(now)


def _upload(scope: Scope) -> bool:
    return bool(scope["type"] == "http" and scope["path"] == UPLOAD_PATH and scope["method"] == "POST")


@layer(UPLOAD_CHARGED, at="authenticated")
def _charged(app: ASGIApp) -> ASGIApp:
    async def billed(scope: Scope, receive: Receive, send: Send) -> None:
        auth = scope.get("state", {}).get("auth")
        if _upload(scope) and auth is not None:
            account = await state_of(scope).store.get_account(auth.account_id)
            if account is not None and account.balance_nano <= 0:
                await send_error(InsufficientCredits("Top up your credits to use the API."), scope, receive, send)
                return
        await app(scope, receive, send)

    return billed


def _as_cdn_url(status: int, headers: list[tuple[bytes, bytes]], body: bytes) -> Reply | None:
    stored = json_body(body)
    if status != 200 or not isinstance(stored, dict) or not isinstance(stored.get("path"), str):
        return None
    stored["path"] = "https://storage.empiriolabs.ai/" + stored["path"].split("://", 1)[-1]
    return status, headers, json.dumps(stored).encode()


@layer(UPLOAD_WRONG_SHAPE, at="authenticated")
def _wrong_shape(app: ASGIApp) -> ASGIApp:
    async def reshaped(scope: Scope, receive: Receive, send: Send) -> None:
        if _upload(scope):
            await rewrite_response(app, scope, receive, send, _as_cdn_url)
        else:
            await app(scope, receive, send)

    return reshaped


def _error_rewrite(defect_status: int, change: Callable[[dict[str, Any]], dict[str, Any] | None]) -> Layer:
    """A layer rewriting the upload route's ``defect_status`` error body with ``change``."""

    def rewrite(status: int, headers: list[tuple[bytes, bytes]], body: bytes) -> Reply | None:
        payload = json_body(body)
        error = payload.get("error") if isinstance(payload, dict) else None
        changed = change(error) if status == defect_status and isinstance(error, dict) else None
        return None if changed is None else (status, headers, json.dumps(changed).encode())

    def make(app: ASGIApp) -> ASGIApp:
        async def rewritten(scope: Scope, receive: Receive, send: Send) -> None:
            if _upload(scope):
                await rewrite_response(app, scope, receive, send, rewrite)
            else:
                await app(scope, receive, send)

        return rewritten

    return make


def _unnamed(error: dict[str, Any]) -> dict[str, Any] | None:
    if error.get("code") != "missing_parameter":
        return None
    return {"error": {**error, "code": "invalid_parameter", "param": None}}


def _anthropic(error: dict[str, Any]) -> dict[str, Any]:
    return {"type": "error", "error": {"type": error.get("type"), "message": error.get("message")}}


layer(UPLOAD_MISSING_FILE_UNNAMED, at="guarded")(_error_rewrite(400, _unnamed))
layer(UPLOAD_401_IN_ANTHROPIC_ENVELOPE, at="guarded")(_error_rewrite(401, _anthropic))


def install(state: GatewayState, active: ActiveDefects) -> None:
    """Wrap the upload intake and the file store."""
    state.intake = _Intake(state.intake, active)
    state.files = state.sweeper.files = _Files(state.files, active)
