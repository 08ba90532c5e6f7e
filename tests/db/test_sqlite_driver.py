"""pazar's SQLite driver: one hop per statement, no hop for an empty commit, writers of a process queued."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import aiosqlite
import pytest
from sqlalchemy import text

from pazar.db.session import Database


@pytest.fixture
async def db(tmp_path: Path) -> Any:
    database = Database(f"sqlite+aiosqlite:///{tmp_path / 'driver.db'}", pool_size=4)
    async with database.transaction() as session:
        await session.execute(text("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL)"))
    yield database
    await database.dispose()


async def _values(db: Database) -> list[str]:
    async with db.transaction() as session:
        return list((await session.execute(text("SELECT v FROM t ORDER BY id"))).scalars())


async def test_the_url_resolves_to_pazars_driver(db: Database) -> None:
    assert db.engine.dialect.driver == "pazar_aiosqlite"


async def test_a_statement_and_its_rows_take_one_hop(db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    async with db.transaction() as session:
        await session.execute(text("INSERT INTO t (v) VALUES ('a'), ('b'), ('c')"))
    hops = 0
    real = aiosqlite.Connection._execute

    async def counting(self: aiosqlite.Connection, fn: Any, *args: Any, **kwargs: Any) -> Any:
        nonlocal hops
        hops += 1
        return await real(self, fn, *args, **kwargs)

    monkeypatch.setattr(aiosqlite.Connection, "_execute", counting)
    async with db.transaction() as session:
        rows = (await session.execute(text("SELECT v FROM t ORDER BY id"))).scalars().all()
    assert rows == ["a", "b", "c"]
    # The SELECT; the commit of a read that opened no transaction is no hop.
    assert hops == 1


async def test_a_write_is_committed_and_a_failed_one_rolled_back(db: Database) -> None:
    async with db.transaction() as session:
        await session.execute(text("INSERT INTO t (v) VALUES ('kept')"))
    with pytest.raises(Exception, match="NOT NULL"):
        async with db.transaction() as session:
            await session.execute(text("INSERT INTO t (v) VALUES ('undone')"))
            await session.execute(text("INSERT INTO t (v) VALUES (NULL)"))
    assert await _values(db) == ["kept"]
    # The gate was released with the rollback: the next writer is not stuck.
    async with db.transaction() as session:
        await session.execute(text("INSERT INTO t (v) VALUES ('after')"))
    assert await _values(db) == ["kept", "after"]


async def test_writers_of_one_process_queue_while_readers_go_on(db: Database) -> None:
    first_wrote = asyncio.Event()
    release_first = asyncio.Event()
    order: list[str] = []

    async def first() -> None:
        async with db.transaction() as session:
            await session.execute(text("INSERT INTO t (v) VALUES ('first')"))
            first_wrote.set()
            await release_first.wait()
            order.append("first commits")

    async def second() -> None:
        await first_wrote.wait()
        async with db.transaction() as session:
            await session.execute(text("INSERT INTO t (v) VALUES ('second')"))
            order.append("second wrote")

    writers = asyncio.gather(first(), second())
    await first_wrote.wait()
    # A reader is not held up by the open write transaction (WAL) nor by the queue.
    assert await asyncio.wait_for(_values(db), 5) == []
    await asyncio.sleep(0.05)
    assert order == []  # the second writer waits for the first: no busy error, no interleaving
    release_first.set()
    await asyncio.wait_for(writers, 5)
    assert order == ["first commits", "second wrote"]
    assert await _values(db) == ["first", "second"]


async def test_many_concurrent_writers_all_land(db: Database) -> None:
    async def write(n: int) -> None:
        async with db.transaction() as session:
            await session.execute(text("INSERT INTO t (v) VALUES (:v)"), {"v": f"w{n}"})
            await asyncio.sleep(0)  # give the others a chance to try their writes meanwhile

    await asyncio.wait_for(asyncio.gather(*(write(n) for n in range(50))), 30)
    assert sorted(await _values(db)) == sorted(f"w{n}" for n in range(50))


async def test_a_writer_cancelled_mid_statement_leaves_no_lock_and_no_write(db: Database) -> None:
    slow_insert = text(
        "INSERT INTO t (v) WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 300000) "
        "SELECT 'bulk' FROM n"
    )

    async def bulk() -> None:
        async with db.transaction() as session:
            await session.execute(slow_insert)

    task = asyncio.create_task(bulk())
    await asyncio.sleep(0.02)  # the INSERT is running on the connection's thread now
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    # The next writer gets the gate and SQLite's lock: the cancelled statement's transaction was undone.
    async with asyncio.timeout(10):
        async with db.transaction() as session:
            await session.execute(text("INSERT INTO t (v) VALUES ('next')"))
    assert await _values(db) == ["next"]
