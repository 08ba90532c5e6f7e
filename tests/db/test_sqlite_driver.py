"""pazar's SQLite connection and transactions: SQLAlchemy's documented aiosqlite recipe, one hop a statement.

A write transaction begins with BEGIN IMMEDIATE and queues behind the process's other writers; a read
transaction begins with BEGIN DEFERRED and never takes the write lock; a second engine (another
process, as far as SQLite can tell) waits for the write lock and then succeeds.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, text

from pazar.db import sqlite_driver
from pazar.db.session import Database


@pytest.fixture
async def db(tmp_path: Path) -> Any:
    database = Database(f"sqlite+aiosqlite:///{tmp_path / 'driver.db'}", pool_size=4)
    async with database.transaction(write=True) as session:
        await session.execute(text("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL)"))
    yield database
    await database.dispose()


async def _values(db: Database) -> list[str]:
    async with db.transaction(write=False) as session:
        return list((await session.execute(text("SELECT v FROM t ORDER BY id"))).scalars())


def _begins(db: Database) -> list[str]:
    """The BEGIN each transaction of ``db`` asks for, in order (captured at the engine's begin event)."""
    seen: list[str] = []

    def on_begin(conn: Any) -> None:
        driver = conn.connection.driver_connection
        seen.append(driver._begin or "")  # the begin listener (registered first) has set it

    event.listen(db.engine.sync_engine, "begin", on_begin)
    return seen


def _count_hops(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    hops = [0]
    real = sqlite_driver._Thread.call

    def counting(self: sqlite_driver._Thread, fn: Any) -> Any:
        hops[0] += 1
        return real(self, fn)

    monkeypatch.setattr(sqlite_driver._Thread, "call", counting)
    return hops


async def test_the_engine_runs_on_pazars_connection(db: Database) -> None:
    async with db.transaction(write=False) as session:
        conn = await session.connection()
        raw = await conn.get_raw_connection()
        assert isinstance(raw.driver_connection, sqlite_driver.Connection)
        assert raw.driver_connection.isolation_level is None  # autocommit: our listener begins


async def test_a_read_transaction_begins_deferred_and_a_write_one_immediate(db: Database) -> None:
    begins = _begins(db)
    async with db.transaction(write=False) as session:
        await session.execute(text("SELECT 1"))
    async with db.transaction() as session:
        await session.execute(text("INSERT INTO t (v) VALUES ('w')"))
    assert begins == ["BEGIN DEFERRED", "BEGIN IMMEDIATE"]


async def test_a_statement_and_its_begin_take_one_hop(db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    async with db.transaction(write=True) as session:
        await session.execute(text("INSERT INTO t (v) VALUES ('a'), ('b'), ('c')"))
    hops = _count_hops(monkeypatch)
    async with db.transaction(write=False) as session:
        rows = (await session.execute(text("SELECT v FROM t ORDER BY id"))).scalars().all()
    assert rows == ["a", "b", "c"]
    # BEGIN with the SELECT and its rows; the end of a read that changed nothing is not waited for.
    assert hops[0] == 1
    async with db.transaction(write=False) as session:
        pass
    assert hops[0] == 1  # a transaction that ran no statement costs no hop
    async with db.transaction() as session:
        await session.execute(text("INSERT INTO t (v) VALUES ('d')"))
    assert hops[0] == 3  # BEGIN IMMEDIATE with the INSERT; the COMMIT, waited for
    assert await _values(db) == ["a", "b", "c", "d"]


async def test_a_read_transaction_reads_one_snapshot(db: Database) -> None:
    async with db.transaction(write=False) as reader:
        assert (await reader.execute(text("SELECT count(*) FROM t"))).scalar_one() == 0
        async with db.transaction(write=True) as writer:
            await writer.execute(text("INSERT INTO t (v) VALUES ('meanwhile')"))
        assert (await reader.execute(text("SELECT count(*) FROM t"))).scalar_one() == 0
    assert await _values(db) == ["meanwhile"]


async def test_a_write_is_committed_and_a_failed_one_rolled_back(db: Database) -> None:
    async with db.transaction(write=True) as session:
        await session.execute(text("INSERT INTO t (v) VALUES ('kept')"))
    with pytest.raises(Exception, match="NOT NULL"):
        async with db.transaction(write=True) as session:
            await session.execute(text("INSERT INTO t (v) VALUES ('undone')"))
            await session.execute(text("INSERT INTO t (v) VALUES (NULL)"))
    assert await _values(db) == ["kept"]
    # The write lock and the gate were released with the rollback: the next writer is not stuck.
    async with asyncio.timeout(5), db.transaction(write=True) as session:
        await session.execute(text("INSERT INTO t (v) VALUES ('after')"))
    assert await _values(db) == ["kept", "after"]


async def test_a_savepoint_rolled_back_inside_a_write_transaction(db: Database) -> None:
    async with db.transaction(write=True) as session:
        await session.execute(text("INSERT INTO t (v) VALUES ('outer')"))
        with pytest.raises(Exception, match="NOT NULL"):
            async with session.begin_nested():
                await session.execute(text("INSERT INTO t (v) VALUES ('inner')"))
                await session.execute(text("INSERT INTO t (v) VALUES (NULL)"))
        async with session.begin_nested():
            await session.execute(text("INSERT INTO t (v) VALUES ('released')"))
    assert await _values(db) == ["outer", "released"]
    # A savepoint as the transaction's first statement stays inside it (BEGIN ran before it).
    with pytest.raises(RuntimeError):
        async with db.transaction(write=True) as session:
            async with session.begin_nested():
                await session.execute(text("INSERT INTO t (v) VALUES ('gone')"))
            raise RuntimeError("undo the whole transaction")
    assert await _values(db) == ["outer", "released"]


async def test_writers_of_one_process_queue_while_readers_go_on(db: Database) -> None:
    first_wrote = asyncio.Event()
    release_first = asyncio.Event()
    order: list[str] = []

    async def first() -> None:
        async with db.transaction(write=True) as session:
            await session.execute(text("INSERT INTO t (v) VALUES ('first')"))
            first_wrote.set()
            await release_first.wait()
            order.append("first commits")

    async def second() -> None:
        await first_wrote.wait()
        async with db.transaction(write=True) as session:
            order.append("second began")
            await session.execute(text("INSERT INTO t (v) VALUES ('second')"))

    writers = asyncio.gather(first(), second())
    await first_wrote.wait()
    # A reader is not held up by the open write transaction (WAL) nor by the queue.
    assert await asyncio.wait_for(_values(db), 5) == []
    await asyncio.sleep(0.05)
    assert order == []  # the second writer waits for the first: no busy error, no interleaving
    release_first.set()
    await asyncio.wait_for(writers, 5)
    assert order == ["first commits", "second began"]
    assert await _values(db) == ["first", "second"]


async def test_many_concurrent_writers_of_one_process_all_land(db: Database) -> None:
    async def write(n: int) -> None:
        async with db.transaction(write=True) as session:
            # Read, yield to the others, then write: in a deferred transaction this is where
            # "database is locked" (a stale snapshot) would come from.
            count = (await session.execute(text("SELECT count(*) FROM t"))).scalar_one()
            await asyncio.sleep(0)
            await session.execute(text("INSERT INTO t (v) VALUES (:v)"), {"v": f"w{n}:{count}"})

    await asyncio.wait_for(asyncio.gather(*(write(n) for n in range(50))), 30)
    values = await _values(db)
    assert sorted(int(v.split(":")[0][1:]) for v in values) == list(range(50))
    # Each writer counted every row committed before it: the writes were serialized.
    assert [int(v.split(":")[1]) for v in values] == list(range(50))


async def test_a_write_from_a_second_engine_waits_for_the_lock_and_succeeds(db: Database) -> None:
    other = Database(db.url, pool_size=2)  # another process, as far as SQLite can tell
    try:
        first_wrote = asyncio.Event()

        async def first() -> None:
            async with db.transaction(write=True) as session:
                await session.execute(text("INSERT INTO t (v) VALUES ('here')"))
                first_wrote.set()
                await asyncio.sleep(0.3)  # hold SQLite's write lock a while

        async def second() -> float:
            await first_wrote.wait()
            started = asyncio.get_running_loop().time()
            async with other.transaction(write=True) as session:
                count = (await session.execute(text("SELECT count(*) FROM t"))).scalar_one()
                await session.execute(text("INSERT INTO t (v) VALUES (:v)"), {"v": f"there:{count}"})
            return asyncio.get_running_loop().time() - started

        _, waited = await asyncio.wait_for(asyncio.gather(first(), second()), 20)
        assert waited >= 0.2  # it met SQLite's lock (busy_timeout) rather than failing
        # It began after the first committed, so it saw that row.
        assert await _values(db) == ["here", "there:1"]
    finally:
        await other.dispose()


async def test_a_writer_cancelled_mid_statement_leaves_no_lock_and_no_write(db: Database) -> None:
    slow_insert = text(
        "INSERT INTO t (v) WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 300000) "
        "SELECT 'bulk' FROM n"
    )

    async def bulk() -> None:
        async with db.transaction(write=True) as session:
            await session.execute(slow_insert)

    task = asyncio.create_task(bulk())
    await asyncio.sleep(0.02)  # the INSERT is running on the connection's thread now
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    # The next writer gets the gate and SQLite's lock: the cancelled statement's transaction was undone.
    async with asyncio.timeout(10), db.transaction(write=True) as session:
        await session.execute(text("INSERT INTO t (v) VALUES ('next')"))
    assert await _values(db) == ["next"]
