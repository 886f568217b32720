"""Media types from magic numbers (D-81): a small table, no libmagic.

:func:`sniff` names the type of the first bytes of a file (or ``None``); :func:`claim_agrees` says whether a
client's declared ``Content-Type`` may stand for it (aliases and the audio/video forms of one container
agree; ``application/octet-stream`` or no claim agrees with anything).
"""

from __future__ import annotations

__all__ = ["ACCEPTED_KINDS", "ALIASES", "claim_agrees", "sniff"]

ACCEPTED_KINDS = frozenset({"audio", "image", "video"})

_PREFIXES: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
    (b"BM", "image/bmp"),
    (b"II*\x00", "image/tiff"),
    (b"MM\x00*", "image/tiff"),
    (b"ID3", "audio/mpeg"),
    (b"fLaC", "audio/flac"),
    (b"OggS", "audio/ogg"),
    (b"#!AMR", "audio/amr"),
    (b"%PDF-", "application/pdf"),
    (b"PK\x03\x04", "application/zip"),
)
_RIFF = {b"WAVE": "audio/wav", b"WEBP": "image/webp", b"AVI ": "video/x-msvideo"}
_FTYP_AUDIO = {b"M4A ", b"M4B ", b"M4P "}
_FTYP_IMAGE = {b"heic": "image/heic", b"heix": "image/heic", b"mif1": "image/heif", b"avif": "image/avif"}

ALIASES: dict[str, frozenset[str]] = {
    "image/jpeg": frozenset({"image/jpg", "image/pjpeg"}),
    "audio/wav": frozenset({"audio/x-wav", "audio/wave", "audio/vnd.wave"}),
    "audio/mpeg": frozenset({"audio/mp3", "audio/mpeg3", "audio/x-mpeg"}),
    "audio/flac": frozenset({"audio/x-flac"}),
    "audio/ogg": frozenset({"video/ogg", "application/ogg", "audio/opus"}),
    "audio/mp4": frozenset({"audio/m4a", "audio/x-m4a", "video/mp4"}),
    "video/mp4": frozenset({"audio/mp4", "audio/m4a", "audio/x-m4a"}),
    "video/webm": frozenset({"audio/webm"}),
    "video/x-matroska": frozenset({"video/mkv", "audio/x-matroska"}),
    "video/quicktime": frozenset({"video/mov"}),
    "video/x-msvideo": frozenset({"video/avi", "video/msvideo"}),
}
_ANY = frozenset({"", "application/octet-stream"})


def _mpeg_frame(data: bytes) -> bool:
    """An MPEG audio frame header (sync, a defined version and layer, a bitrate index that is not 15)."""
    return (len(data) >= 3 and data[0] == 0xFF and data[1] & 0xE0 == 0xE0 and (data[1] >> 3) & 3 != 1
            and (data[1] >> 1) & 3 != 0 and data[2] >> 4 != 15)


def _ftyp(brand: bytes) -> str:
    if brand in _FTYP_AUDIO:
        return "audio/mp4"
    if brand in _FTYP_IMAGE:
        return _FTYP_IMAGE[brand]
    return "video/quicktime" if brand == b"qt  " else "video/mp4"


def sniff(data: bytes) -> str | None:
    """The media type the bytes begin as, or ``None`` when the table does not know them."""
    for prefix, media_type in _PREFIXES:
        if data.startswith(prefix):
            return media_type
    if data[:4] == b"RIFF" and len(data) >= 12:
        return _RIFF.get(data[8:12])
    if data[4:8] == b"ftyp" and len(data) >= 12:
        return _ftyp(data[8:12])
    if data.startswith(b"\x1a\x45\xdf\xa3"):
        return "video/webm" if b"webm" in data[:64] else "video/x-matroska"
    if _mpeg_frame(data):
        return "audio/mpeg"
    return None


def claim_agrees(found: str, claimed: str | None) -> bool:
    """Whether a declared type (parameters ignored) may stand for the sniffed type ``found``."""
    declared = (claimed or "").split(";", 1)[0].strip().lower()
    return declared in _ANY or declared == found or declared in ALIASES.get(found, frozenset())
