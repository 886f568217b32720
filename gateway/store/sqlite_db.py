"""How every embedded (SQLite) store opens its file: autocommit (each store begins its own transactions), WAL
(the admin CLI writes while the gateway serves), ``synchronous=NORMAL`` (D-205) and a 5-second busy wait."""

from __future__ import annotations

import sqlite3
from pathlib import Path

__all__ = ["connect"]


def connect(path: Path | str) -> sqlite3.Connection:
    """A connection to the store file at ``path``, shared by the store's callers (one event loop and its writer)."""
    db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")
    db.execute("PRAGMA busy_timeout=5000")
    return db
