"""A minimal, valid ISO-BMFF (MP4) file: ``ftyp``, ``moov`` holding an ``mvhd`` of the given duration, and
an ``mdat`` of a few deterministic bytes — enough for any box reader to find the brand and the length."""

from __future__ import annotations

import hashlib
import struct

__all__ = ["TIMESCALE", "mp4"]

TIMESCALE = 1000
"""``mvhd`` time units per second."""
_MATRIX = (0x00010000, 0, 0, 0, 0x00010000, 0, 0, 0, 0x40000000)


def _box(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I", 8 + len(payload)) + kind + payload


def _mvhd(seconds: float) -> bytes:
    payload = struct.pack(">B3xIIII", 0, 0, 0, TIMESCALE, round(seconds * TIMESCALE))
    payload += struct.pack(">IH10x", 0x00010000, 0x0100) + struct.pack(">9I", *_MATRIX)
    payload += bytes(24) + struct.pack(">I", 2)
    return _box(b"mvhd", payload)


def mp4(seconds: float, seed: str = "") -> bytes:
    """An MP4 of ``seconds`` (its ``mvhd`` duration); ``seed`` varies the ``mdat`` bytes."""
    ftyp = _box(b"ftyp", b"isom" + struct.pack(">I", 512) + b"isomiso2mp41")
    mdat = _box(b"mdat", hashlib.sha256(seed.encode()).digest())
    return ftyp + _box(b"moov", _mvhd(seconds)) + mdat
