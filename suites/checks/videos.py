"""Checks of ``POST /v1/videos/generations`` (D-113, D-114, D-116): the job's video is an MP4 of the asked
length served at its URL as ``video/mp4``; ``usage.cost`` is the per-second (or per-video) row the request's
options select; values outside the model's ``supported_parameters`` are refused naming them; ``raw`` exactly
with ``disable_formatting``."""

from __future__ import annotations

import struct

from suites.checks import cut, expect
from suites.rules import register

__all__ = ["LIFECYCLE", "PARAMETERS", "PRICE_ROW", "RAW", "SERVED", "clip", "mp4_seconds"]

LIFECYCLE = "videos_job_lifecycle"
SERVED = "videos_served_as_mp4"
PRICE_ROW = "videos_price_row"
PARAMETERS = "videos_parameters_checked"
RAW = "videos_disable_formatting"

register(LIFECYCLE, "docs:api-reference-overview#long-running-requests",
         "a video request is a job polled queued → running → completed, its result the video")
register(SERVED, "decision:D-114",
         "the result's url serves an MP4 (ftyp, moov/mvhd) of the requested seconds (±0.5 s) as video/mp4, "
         "mime_type video/mp4")
register(PRICE_ROW, "decision:D-113",
         "usage.cost (and the debit) is the rate of the row the request's options select, per second of video "
         "(rate / per × duration) or once per video")
register(PARAMETERS, "decision:D-114",
         "a value outside the spec's schema or the model's supported_parameters (enum, range) is 400 naming it, "
         "never sent upstream")
register(RAW, "decision:D-116",
         "with disable_formatting (or an alias) the result holds raw, the upstream payload without its ids and "
         "URLs; without it there is no raw")


def _boxes(data: bytes, start: int, end: int) -> list[tuple[bytes, int, int]]:
    """(type, body start, box end) of the ISO-BMFF boxes in ``data[start:end]``."""
    out: list[tuple[bytes, int, int]] = []
    at = start
    while at + 8 <= end:
        size, kind = struct.unpack(">I4s", data[at:at + 8])
        header = 8
        if size == 1 and at + 16 <= end:
            size, header = struct.unpack(">Q", data[at + 8:at + 16])[0], 16
        if size < header or at + size > end:
            break
        out.append((kind, at + header, at + size))
        at += size
    return out


def mp4_seconds(data: bytes, rule: str = SERVED) -> float:
    """The duration in the MP4's ``mvhd``, failing ``rule`` when ``data`` is not such an MP4."""
    boxes = _boxes(data, 0, len(data))
    kinds = [kind for kind, _, _ in boxes]
    expect(rule, bool(kinds) and kinds[0] == b"ftyp" and b"moov" in kinds, "an MP4: ftyp first, then moov",
           cut(data[:32]))
    _, start, end = boxes[kinds.index(b"moov")]
    mvhd = [(s, e) for kind, s, e in _boxes(data, start, end) if kind == b"mvhd"]
    expect(rule, bool(mvhd), "an mvhd box in moov", cut(data[start:start + 32]))
    at = mvhd[0][0]
    if data[at] == 1:
        scale, duration = struct.unpack(">IQ", data[at + 20:at + 32])
    else:
        scale, duration = struct.unpack(">II", data[at + 12:at + 20])
    expect(rule, scale > 0, "a positive mvhd timescale", scale)
    return float(duration) / float(scale or 1)


def _box(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I", 8 + len(payload)) + kind + payload


def clip(seconds: float) -> bytes:
    """A minimal MP4 (``ftyp``, ``moov`` with an ``mvhd`` of ``seconds``, a few ``mdat`` bytes): a video input
    to upload."""
    mvhd = struct.pack(">B3xIIII", 0, 0, 0, 1000, round(seconds * 1000)) + struct.pack(">IH10x", 0x00010000, 0x0100)
    mvhd += struct.pack(">9I", 0x00010000, 0, 0, 0, 0x00010000, 0, 0, 0, 0x40000000) + bytes(24) + struct.pack(">I", 2)
    ftyp = _box(b"ftyp", b"isom" + struct.pack(">I", 512) + b"isomiso2mp41")
    return ftyp + _box(b"moov", _box(b"mvhd", mvhd)) + _box(b"mdat", bytes(range(32)))
