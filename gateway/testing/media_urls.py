"""Defects of signed media URLs (D-90): the signature not checked.

Seam: the media signer (``state.media.signer``: the check the media route makes).
"""

from __future__ import annotations

from gateway.media import Signer
from gateway.state import GatewayState
from gateway.testing.registry import ActiveDefects, defect

__all__ = ["install"]

SIGNATURE_UNCHECKED = defect("media_signature_unchecked", "an altered or unsigned media URL is 403 (D-90)")


class _Signer:
    def __init__(self, inner: Signer, active: ActiveDefects) -> None:
        self.inner, self.active = inner, active

    def signature(self, object_id: str, filename: str, expires: int) -> str:
        return self.inner.signature(object_id, filename, expires)

    def check(self, object_id: str, filename: str, expires: str | None, signature: str | None, now: int) -> None:
        if not self.active.on(SIGNATURE_UNCHECKED.name):
            self.inner.check(object_id, filename, expires, signature, now)


def install(state: GatewayState, active: ActiveDefects) -> None:
    """Wrap the media signer."""
    state.media.signer = _Signer(state.media.signer, active)  # type: ignore[assignment]
