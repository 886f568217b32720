"""Random identifiers for the hot path (request ids, completion and message ids): hex from the operating
system's CSPRNG like :func:`secrets.token_hex`, read 64 KiB at a time instead of one system call per id."""

from __future__ import annotations

import os

__all__ = ["random_hex"]

_POOL_BYTES = 64 * 1024
_pool = b""
_at = 0


def _forget() -> None:
    global _pool, _at
    _pool, _at = b"", 0


os.register_at_fork(after_in_child=_forget)  # a forked child never repeats its parent's ids


def random_hex(nbytes: int) -> str:
    """``2 * nbytes`` hex digits of fresh randomness (never handed out twice)."""
    global _pool, _at
    if _at + nbytes > len(_pool):
        _pool, _at = os.urandom(max(_POOL_BYTES, nbytes)), 0
    start, _at = _at, _at + nbytes
    return _pool[start:_at].hex()
