"""Uploaded files (D-16, D-81, D-82): what an upload may hold and how big it may be.

:class:`Intake` is the seam the upload route asks (:class:`FileIntake` the default): the per-file cap (``cap``), the body limit of the
upload path (the cap plus room for the multipart framing) and the content type of the bytes, decided by
sniffing them (:mod:`gateway.files.sniff`), never by the client's claim.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from gateway.errors import InvalidRequest
from gateway.files.sniff import ACCEPTED_KINDS, claim_agrees, sniff

__all__ = ["DEFAULT_UPLOAD_CAP", "FRAMING_ALLOWANCE", "UPLOAD_PATH", "FileIntake", "Intake"]

UPLOAD_PATH = "/v1/files/upload"
DEFAULT_UPLOAD_CAP = 25 * 1024 * 1024
"""25 MiB per file: the one upload limit the docs state (``077``/``078``: "a 25 MB upload limit per file")."""
FRAMING_ALLOWANCE = 64 * 1024
"""Bytes of multipart framing (boundaries, part headers, ``purpose``) allowed on top of the file cap."""


class Intake(Protocol):
    @property
    def cap(self) -> int:
        """The largest file accepted, in bytes."""
        ...

    @property
    def body_limit(self) -> int:
        """The largest upload body accepted, in bytes."""
        ...

    def content_type(self, data: bytes, claimed: str | None) -> str:
        """The media type the file is stored as, or a 400."""
        ...


@dataclass
class FileIntake:
    """The upload policy: the cap and the content-type decision."""

    cap: int = DEFAULT_UPLOAD_CAP

    @property
    def body_limit(self) -> int:
        return self.cap + FRAMING_ALLOWANCE

    def content_type(self, data: bytes, claimed: str | None) -> str:
        """The sniffed media type of ``data``; 400 ``unsupported_file_type`` when it is not an accepted
        audio, image or video type, or when the client's claim names another type."""
        found = sniff(data)
        if found is None or found.split("/", 1)[0] not in ACCEPTED_KINDS:
            what = f"{found} files" if found else "files of an unrecognised type"
            raise InvalidRequest(
                f"Uploads take audio, image and video files; {what} are not accepted.",
                code="unsupported_file_type", param="file")
        if not claim_agrees(found, claimed):
            raise InvalidRequest(
                f"The file is declared as {claimed!r} but its bytes are {found}.",
                code="unsupported_file_type", param="file")
        return found
