"""Engine and session factory for SQLite (WAL, foreign keys) and PostgreSQL (asyncpg)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import orjson
from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

from pazar.db import sqlite_driver


def _sqlite_on_connect(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


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
        parsed = make_url(url)
        if parsed.drivername == "sqlite+aiosqlite":
            # The same driver with one thread hop per statement (pazar.db.sqlite_driver).
            sqlite_driver.register()
            url = parsed.set(drivername=sqlite_driver.DRIVER_URL_SCHEME).render_as_string(hide_password=False)
        # A pool as large as the expected concurrency: each new aiosqlite connection costs a thread.
        engine = create_async_engine(
            url,
            echo=echo,
            connect_args={"timeout": 30},
            pool_size=pool_size,
            max_overflow=pool_size,
            json_serializer=json_dumps,
            json_deserializer=json_loads,
        )
        event.listen(engine.sync_engine, "connect", _sqlite_on_connect)
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


class Database:
    """One engine and its session factory; API processes and workers each hold one."""

    def __init__(self, url: str, *, pool_size: int = 10, echo: bool = False) -> None:
        self.url = url
        self.engine = make_engine(url, pool_size=pool_size, echo=echo)
        self.sessions = async_sessionmaker(self.engine, expire_on_commit=False, autoflush=False)

    @property
    def is_postgres(self) -> bool:
        return self.engine.dialect.name == "postgresql"

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """A session whose work is committed on success and rolled back on any error."""
        async with self.sessions() as session:
            try:
                yield session
                await session.commit()
            except BaseException:
                await session.rollback()
                raise

    async def dispose(self) -> None:
        await self.engine.dispose()
