"""Engine and session factory for SQLite (WAL, foreign keys) and PostgreSQL (asyncpg)."""

from __future__ import annotations

import asyncio
import json
import sqlite3
import weakref
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import orjson
from sqlalchemy import event
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

from pazar.db import sqlite_driver

# The execution option that marks a write transaction (``Database.transaction(write=True)``).
WRITE_OPTION = "pazar_write"
GATE_TIMEOUT_SECONDS = 30.0  # = SQLite's busy_timeout below: a writer never waits forever


def _sqlite_on_connect(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def _sqlite_begin(conn: Connection) -> None:
    """SQLAlchemy's documented recipe: the driver never begins, this listener does.

    A write transaction takes SQLite's write lock at once (``BEGIN IMMEDIATE``): one that read first
    and wrote later would fail (SQLITE_BUSY_SNAPSHOT) when another connection committed in between,
    and a SAVEPOINT that opened the transaction would commit it at its RELEASE. A read transaction
    (``BEGIN DEFERRED``) reads one snapshot and never takes the write lock.
    """
    write = conn.get_execution_options().get(WRITE_OPTION, False)
    begin = "BEGIN IMMEDIATE" if write else "BEGIN DEFERRED"
    driver = conn.connection.driver_connection
    if isinstance(driver, sqlite_driver.Connection):
        driver.begin_with_next_statement(begin, write=write)  # the same, one thread hop cheaper
    else:
        conn.exec_driver_sql(begin)


def json_dumps(value: Any) -> str:
    """JSON columns are written with orjson (the stdlib encoder was ~5 % of a bulk import's CPU).

    Request bodies are parsed with orjson too, so what is stored has orjson's semantics; a value it
    cannot encode (an integer beyond 64 bits) falls back to the standard library.
    """
    try:
        return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode()
    except TypeError:
        return json.dumps(value, ensure_ascii=False)


def json_loads(text: str | bytes) -> Any:
    """The reverse; documents written by the standard library (``NaN``) fall back to it."""
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        return json.loads(text)


def make_engine(url: str, *, pool_size: int = 10, echo: bool = False) -> AsyncEngine:
    if url.startswith("sqlite"):
        connect_params: dict[str, Any] = {}

        async def connect() -> sqlite_driver.Connection:
            return await sqlite_driver.connect(**connect_params)

        # A pool as large as the expected concurrency: each new SQLite connection costs a thread.
        engine = create_async_engine(
            url,
            echo=echo,
            async_creator=connect,
            pool_size=pool_size,
            max_overflow=pool_size,
            json_serializer=json_dumps,
            json_deserializer=json_loads,
        )
        sync = engine.sync_engine
        # The URL's file and options, as the dialect would pass them to aiosqlite.connect.
        args, params = sync.dialect.create_connect_args(sync.url)
        connect_params.update(params, database=args[0] if args else params["database"], timeout=30)
        event.listen(sync, "connect", _sqlite_on_connect)
        event.listen(sync, "begin", _sqlite_begin)
        return engine
    return create_async_engine(
        # pool_recycle rather than pool_pre_ping: a ping is one more round trip on every request.
        url,
        echo=echo,
        pool_size=pool_size,
        max_overflow=pool_size,
        pool_recycle=1800,
        json_serializer=json_dumps,
        json_deserializer=json_loads,
    )


def writing(engine: AsyncEngine) -> AsyncEngine:
    """The engine (same pool) whose transactions are write transactions (BEGIN IMMEDIATE on SQLite)."""
    return engine.execution_options(**{WRITE_OPTION: True})


class Database:
    """One engine and its session factory; API processes and workers each hold one."""

    def __init__(self, url: str, *, pool_size: int = 10, echo: bool = False) -> None:
        self.url = url
        self.engine = make_engine(url, pool_size=pool_size, echo=echo)
        # Read transactions; ``write_sessions`` open write transactions (see ``transaction``).
        self.sessions = async_sessionmaker(self.engine, expire_on_commit=False, autoflush=False)
        self.write_sessions = async_sessionmaker(
            writing(self.engine), expire_on_commit=False, autoflush=False
        )
        self._sqlite = self.engine.dialect.name == "sqlite"
        self._gates: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock] = (
            weakref.WeakKeyDictionary()
        )

    @property
    def is_postgres(self) -> bool:
        return self.engine.dialect.name == "postgresql"

    @asynccontextmanager
    async def transaction(self, *, write: bool = True) -> AsyncIterator[AsyncSession]:
        """A session whose work is committed on success and rolled back on any error.

        A write transaction (the default) on SQLite holds the write lock from its first statement
        (``BEGIN IMMEDIATE``) and first queues behind the other writers of this process (the write
        gate), so they wait their turn instead of sleeping in SQLite's busy handler (naps of up to
        100 ms). ``write=False`` is a read transaction (``BEGIN DEFERRED``, one snapshot, never the
        write lock; a GET's). Writing is the default because a unit of work that writes in a read
        transaction fails at once ("database is locked") when another connection commits between its
        first read and its first write. On PostgreSQL both are a plain BEGIN.
        """
        if write and self._sqlite:
            async with self._write_gate(), self._session(self.write_sessions) as session:
                yield session
        else:
            async with self._session(self.write_sessions if write else self.sessions) as session:
                yield session

    @asynccontextmanager
    async def _session(self, factory: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
        async with factory() as session:
            try:
                yield session
                await session.commit()
            except BaseException:
                await session.rollback()
                raise

    @asynccontextmanager
    async def _write_gate(self) -> AsyncIterator[None]:
        gate = self._gates.setdefault(asyncio.get_running_loop(), asyncio.Lock())
        try:
            await asyncio.wait_for(gate.acquire(), GATE_TIMEOUT_SECONDS)
        except TimeoutError:
            raise sqlite3.OperationalError("database is locked (write queue timeout)") from None
        try:
            yield
        finally:
            gate.release()

    async def dispose(self) -> None:
        await self.engine.dispose()
