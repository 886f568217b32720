"""Rules of ``POST /v1/files/upload`` (D-16, D-81, D-82) and the small files the upload suite sends."""

from __future__ import annotations

import struct
import zlib

from suites.rules import register, register_all

__all__ = [
    "CAP",
    "FOREIGN",
    "FOREIGN_INPUT",
    "FREE",
    "MISSING",
    "NEEDS_KEY",
    "PDF",
    "PNG",
    "RESOLVED",
    "SNIFFED",
    "SPOOFED",
    "SWEPT",
    "UNACCEPTED",
    "UPLOADED",
    "WAV",
]

UPLOADED, SNIFFED, SPOOFED = "upload_stored", "upload_type_sniffed", "upload_spoofed_type_400"
UNACCEPTED, CAP, MISSING = "upload_unaccepted_type_400", "upload_cap_is_413", "upload_missing_file_400"
FREE, NEEDS_KEY = "upload_free", "upload_needs_key_401"
RESOLVED, FOREIGN = "uploaded_path_resolved", "foreign_path_refused"
SWEPT, FOREIGN_INPUT = "upload_swept_after_thirty_days", "foreign_path_refused_on_media_inputs"

register(UPLOADED, "docs:api-reference-overview#endpoints",
         "POST /v1/files/upload stores an audio, image or video file and answers its bunny:// storage path")
register(NEEDS_KEY, "docs:authentication#common-authentication-responses",
         "an upload without an API key is 401 in the OpenAI envelope")
register_all("decision:D-81", {
    SNIFFED: "the stored content_type is the type of the bytes, whatever the part declared",
    SPOOFED: "a declared content type the bytes contradict is 400 unsupported_file_type, nothing stored",
})
register_all("decision:D-16", {
    UNACCEPTED: "a file that is not audio, image or video is 400 unsupported_file_type",
    MISSING: "an upload without a file part is 400 missing_parameter",
    FREE: "uploads are free: an account without credits uploads",
})
register_all("decision:D-83", {
    RESOLVED: "a bunny:// path the account uploaded is taken as the file in a chat media part",
    FOREIGN: "another account's bunny:// path is 400 naming the part, never sent upstream",
})
register(SWEPT, "decision:D-133",
         "an upload's expires_at is 30 days after it; past it (and after a sweep) its bunny:// path names no file: "
         "400 naming the part")
register(FOREIGN_INPUT, "decision:D-133",
         "another account's bunny:// path as a video's image or a transcription's file is 400 naming it; the "
         "uploader's own is accepted")
register(CAP, "decision:D-82", "a file over upload_max_bytes is 413 request_too_large in the OpenAI envelope")


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def _png() -> bytes:
    """A valid 1x1 RGB PNG."""
    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00"))
            + _chunk(b"IEND", b""))


def _wav(samples: int = 800) -> bytes:
    """A valid 8 kHz mono 16-bit WAV of silence (0.1 s)."""
    data = b"\x00\x00" * samples
    fmt = struct.pack("<HHIIHH", 1, 1, 8000, 16000, 2, 16)
    return (b"RIFF" + struct.pack("<I", 36 + len(data)) + b"WAVE" + b"fmt " + struct.pack("<I", 16) + fmt
            + b"data" + struct.pack("<I", len(data)) + data)


PNG, WAV = _png(), _wav()
PDF = (b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n2 0 obj << /Type /Pages /Kids [] /Count 0 >>"
       b" endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n")
