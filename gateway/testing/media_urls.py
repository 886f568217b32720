"""Defects of signed media URLs and hosted media (D-90, D-91, D-111): the signature not checked, expired URLs
accepted, URLs that expire early, expiry judged before existence, objects kept past 30 days, a deleted object
answered 500.

Seams: the media signer (``state.media.signer``: the checks the media route makes) and the media store
(``state.media.store``, also the sweeper's ``state.sweeper.media``: what a read finds, what a sweep deletes).
"""

from __future__ import annotations

from collections.abc import Callable

from gateway.media import Signer
from gateway.state import GatewayState
from gateway.store.media import MediaObject, MediaStore
from gateway.testing.registry import ActiveDefects, defect

__all__ = ["install"]

SIGNATURE_UNCHECKED = defect("media_signature_unchecked", "an altered or unsigned media URL is 403 (D-90)")
EXPIRY_UNCHECKED = defect("media_url_expiry_unchecked", "a media URL past its 7 days is 403 url_expired (D-90)")
LIFETIME_SHORT = defect("media_url_lifetime_short", "a media URL serves its object for 7 days (D-90)")
EXPIRY_BEFORE_EXISTENCE = defect(
    "media_expiry_before_existence", "a signed URL of a deleted object is 404, whatever its expiry (D-111)")
NOT_SWEPT = defect("media_not_swept", "media objects are deleted 30 days after they were made (D-91)")
SWEPT_500 = defect("media_swept_500", "a signed URL of a deleted object is 404 not_found, never a 5xx (D-90)")

_NEVER = 1 << 40
_SHORTENED = 6 * 24 * 3600


class _Signer:
    def __init__(self, inner: Signer, active: ActiveDefects, now: Callable[[], float]) -> None:
        self.inner, self.active, self.now = inner, active, now

    def signature(self, object_id: str, filename: str, expires: int) -> str:
        return self.inner.signature(object_id, filename, expires)

    def verify(self, object_id: str, filename: str, expires: str | None, signature: str | None) -> int:
        if self.active.on(SIGNATURE_UNCHECKED.name):
            return int(expires) if expires and expires.isdigit() and len(expires) <= 12 else _NEVER
        found = self.inner.verify(object_id, filename, expires, signature)
        if self.active.on(LIFETIME_SHORT.name):
            found -= _SHORTENED
        if self.active.on(EXPIRY_BEFORE_EXISTENCE.name):
            self.inner.unexpired(found, int(self.now()))
        return found

    def unexpired(self, expires: int, now: int) -> None:
        if not self.active.on(EXPIRY_UNCHECKED.name):
            self.inner.unexpired(expires, now)


class _Store:
    """The media store, keeping objects past their retention, or failing on a missing one, while on."""

    def __init__(self, inner: MediaStore, active: ActiveDefects) -> None:
        self.inner, self.active = inner, active

    async def put(self, record: MediaObject, data: bytes) -> None:
        await self.inner.put(record, data)

    async def get(self, object_id: str, now: int) -> tuple[MediaObject, bytes] | None:
        found = await self.inner.get(object_id, 0 if self.active.on(NOT_SWEPT.name) else now)
        if found is None and self.active.on(SWEPT_500.name):
            raise LookupError(f"media object {object_id} has no row")
        return found

    async def purge(self, now: int) -> int:
        return 0 if self.active.on(NOT_SWEPT.name) else await self.inner.purge(now)


def install(state: GatewayState, active: ActiveDefects) -> None:
    """Wrap the media signer and the media store (the route's and the sweeper's)."""
    make = state.media.make_signer
    state.media.make_signer = lambda: _Signer(make(), active, lambda: state.clock.now())  # type: ignore[assignment,return-value]
    state.media.store = state.sweeper.media = _Store(state.media.store, active)
