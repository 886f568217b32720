"""The embedded store's group commit (D-207): the writes of one loop turn share a transaction, one call's error
undoes only that call, and a cancelled caller's call is still carried out."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import pytest

from gateway.store.sqlite_writer import Writer


def _writer(tmp_path: Path) -> Writer:
    writer = Writer(tmp_path / "w.db")
    writer.db.execute("CREATE TABLE t (n INTEGER PRIMARY KEY)")
    return writer


def _insert(n: int):  # type: ignore[no-untyped-def]
    def work(db: sqlite3.Connection) -> int:
        db.execute("INSERT INTO t (n) VALUES (?)", (n,))
        return n

    return work


def _rows(writer: Writer) -> list[int]:
    return [row[0] for row in writer.db.execute("SELECT n FROM t ORDER BY n")]


def test_the_writes_of_one_turn_share_a_commit(tmp_path: Path) -> None:
    writer = _writer(tmp_path)

    async def main() -> list[int]:
        return list(await asyncio.gather(*(writer.run(_insert(n)) for n in range(20))))

    assert asyncio.run(main()) == list(range(20))
    assert writer._commits == 1
    assert _rows(writer) == list(range(20))
    writer.close()


def test_one_failing_call_undoes_only_itself(tmp_path: Path) -> None:
    writer = _writer(tmp_path)

    async def main() -> list[object]:
        return list(await asyncio.gather(writer.run(_insert(1)), writer.run(_insert(1)), writer.run(_insert(2)),
                                         return_exceptions=True))

    first, duplicate, third = asyncio.run(main())
    assert (first, third) == (1, 2) and isinstance(duplicate, sqlite3.IntegrityError)
    assert _rows(writer) == [1, 2]
    writer.close()


def test_a_lone_failing_call_is_rolled_back(tmp_path: Path) -> None:
    writer = _writer(tmp_path)

    def half_then_fail(db: sqlite3.Connection) -> None:
        db.execute("INSERT INTO t (n) VALUES (7)")
        raise ValueError("refused")

    with pytest.raises(ValueError, match="refused"):
        asyncio.run(writer.run(half_then_fail))
    assert _rows(writer) == [] and not writer.db.in_transaction
    writer.close()


def test_a_cancelled_callers_call_is_still_carried_out(tmp_path: Path) -> None:
    writer = _writer(tmp_path)

    async def main() -> None:
        task = asyncio.ensure_future(writer.run(_insert(5)))
        await asyncio.sleep(0)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        await writer.run(_insert(6))

    asyncio.run(main())
    assert _rows(writer) == [5, 6]
    writer.close()


def test_reads_run_at_once_and_see_committed_writes(tmp_path: Path) -> None:
    writer = _writer(tmp_path)

    async def main() -> int:
        await writer.run(_insert(3))
        return int(await writer.run(lambda db: db.execute("SELECT COUNT(*) FROM t").fetchone()[0], writes=False))

    assert asyncio.run(main()) == 1
    assert writer._commits == 1
    writer.close()
