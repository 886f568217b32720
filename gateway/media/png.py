"""Reading a PNG's header without decoding it: what the image adapter checks an upstream's image by."""

from __future__ import annotations

import struct
import zlib

__all__ = ["PNG_SIGNATURE", "png_size"]

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def png_size(data: bytes) -> tuple[int, int]:
    """(width, height) of a complete PNG: the signature, a valid ``IHDR`` first and ``IEND`` last, every
    chunk's CRC right; :class:`ValueError` otherwise."""
    if not data.startswith(PNG_SIGNATURE):
        raise ValueError("not a PNG")
    offset, size, last = len(PNG_SIGNATURE), None, b""
    while offset < len(data):
        if offset + 12 > len(data):
            raise ValueError("truncated PNG chunk")
        length, kind = struct.unpack(">I4s", data[offset:offset + 8])
        body = data[offset + 8:offset + 8 + length]
        crc = data[offset + 8 + length:offset + 12 + length]
        if len(body) != length or len(crc) != 4 or zlib.crc32(kind + body) != struct.unpack(">I", crc)[0]:
            raise ValueError("corrupt PNG chunk")
        if size is None:
            if kind != b"IHDR" or length != 13:
                raise ValueError("PNG without IHDR")
            size = struct.unpack(">II", body[:8])
        offset, last = offset + 12 + length, kind
    if size is None or last != b"IEND" or min(size) < 1:
        raise ValueError("incomplete PNG")
    return int(size[0]), int(size[1])
