"""Reading an MP4 (ISO-BMFF) just far enough to trust it: ``ftyp`` first, then a ``moov`` holding an
``mvhd``, whose timescale and duration give the length (D-114)."""

from __future__ import annotations

import struct

__all__ = ["mp4_seconds"]


def _boxes(data: bytes) -> list[tuple[bytes, bytes]]:
    out, at = [], 0
    while at < len(data):
        if at + 8 > len(data):
            raise ValueError("truncated box header")
        size, kind = struct.unpack_from(">I4s", data, at)
        head = 8
        if size == 1:
            if at + 16 > len(data):
                raise ValueError("truncated box header")
            size, head = struct.unpack_from(">Q", data, at + 8)[0], 16
        elif size == 0:
            size = len(data) - at
        if size < head or at + size > len(data):
            raise ValueError(f"box {kind!r} runs past the end")
        out.append((kind, data[at + head:at + size]))
        at += size
    return out


def mp4_seconds(data: bytes) -> float:
    """The duration of the MP4 ``data`` in seconds; :class:`ValueError` when it is not one."""
    boxes = _boxes(data)
    if not boxes or boxes[0][0] != b"ftyp":
        raise ValueError("no ftyp box first")
    moov = next((payload for kind, payload in boxes if kind == b"moov"), None)
    if moov is None:
        raise ValueError("no moov box")
    mvhd = next((payload for kind, payload in _boxes(moov) if kind == b"mvhd"), None)
    if mvhd is None or len(mvhd) < 20:
        raise ValueError("no mvhd box")
    if mvhd[0] == 1:
        if len(mvhd) < 32:
            raise ValueError("short mvhd")
        timescale, duration = struct.unpack_from(">IQ", mvhd, 20)
    else:
        timescale, duration = struct.unpack_from(">II", mvhd, 12)
    if timescale <= 0:
        raise ValueError("mvhd timescale is 0")
    return float(duration) / float(timescale)
