"""The asyncio SQLite connection pazar hands SQLAlchemy's aiosqlite dialect: one thread hop a statement.

SQLAlchemy's aiosqlite dialect takes any driver-level asyncio connection through the documented
``create_async_engine(..., async_creator=...)``; this module makes one from the public ``sqlite3``
API, with the subset of aiosqlite's public ``Connection``/``Cursor`` interface the dialect uses.
Like aiosqlite it runs each connection's SQLite calls on a thread of its own, so the event loop is
never blocked. Unlike aiosqlite (and SQLAlchemy's stock adapter of it) it makes one round trip to
that thread per statement instead of four (cursor, execute, fetch, close): on the API's hot paths
those hops, not SQLite, were most of a request's time (bench/README.md).

Transactions follow SQLAlchemy's documented recipe for sqlite3/aiosqlite: the connection is in
autocommit mode (``isolation_level=None``, so sqlite3 never emits BEGIN itself) and the engine's
``begin`` listener (``pazar.db.session``) chooses ``BEGIN DEFERRED`` or ``BEGIN IMMEDIATE``. The
listener hands the BEGIN to :meth:`Connection.begin_with_next_statement`, which runs it in the same
hop as the transaction's first statement; a commit or rollback with no transaction open is no hop.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import logging
import queue
import sqlite3
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any, TypeVar

T = TypeVar("T")
log = logging.getLogger(__name__)

_STOP = None  # the thread's last item


@dataclass(slots=True)
class _Outcome:
    description: Any
    rows: list[Any]
    rowcount: int
    lastrowid: int | None
    in_transaction: bool
    wrote: bool


def _statement(
    conn: sqlite3.Connection, begin: str | None, operation: str, parameters: Any, many: bool
) -> _Outcome:
    """The transaction's BEGIN (if still to run) and one statement with all its rows, on the thread."""
    if begin is not None:
        conn.execute(begin)
    changes = conn.total_changes
    cursor = conn.cursor()
    try:
        if many:
            cursor.executemany(operation, parameters)
        elif parameters is None:
            cursor.execute(operation)
        else:
            cursor.execute(operation, parameters)
        description = cursor.description
        rows = cursor.fetchall() if description else []
        wrote = conn.total_changes != changes
        return _Outcome(description, rows, cursor.rowcount, cursor.lastrowid, conn.in_transaction, wrote)
    finally:
        cursor.close()


def _end(conn: sqlite3.Connection, commit: bool) -> bool:
    if commit:
        conn.commit()
    else:
        conn.rollback()
    return conn.in_transaction


def _settle(future: asyncio.Future[Any], ok: bool, value: Any) -> None:
    if future.done():  # the caller was cancelled meanwhile
        return
    if ok:
        future.set_result(value)
    else:
        future.set_exception(value)


class _Thread:
    """The thread one SQLite connection lives on; calls run one after another, in order."""

    def __init__(self) -> None:
        self._calls: queue.SimpleQueue[tuple[Callable[[], Any], asyncio.Future[Any] | None] | None] = (
            queue.SimpleQueue()
        )
        self._thread = threading.Thread(target=self._serve, name="pazar-sqlite", daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while (item := self._calls.get()) is not _STOP:
            fn, future = item
            try:
                result = fn()
            except BaseException as error:
                outcome: tuple[bool, Any] = (False, error)
            else:
                outcome = (True, result)
            if future is None:  # posted: nobody awaits it
                if not outcome[0]:
                    log.warning("SQLite call %r failed", fn, exc_info=outcome[1])
                continue
            with contextlib.suppress(RuntimeError):  # a closed loop: nobody waits any more
                future.get_loop().call_soon_threadsafe(_settle, future, *outcome)

    def post(self, fn: Callable[[], Any]) -> None:
        """Run ``fn`` after the calls queued so far, without waiting for it."""
        self._calls.put((fn, None))

    def call(self, fn: Callable[[], T]) -> asyncio.Future[T]:
        future: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        self._calls.put((fn, future))
        return future

    def stop(self, last: Callable[[], Any] | None = None) -> None:
        """End the thread after the calls queued so far (and ``last``, if given: nobody awaits it)."""
        if last is not None:
            self._calls.put((last, None))
        self._calls.put(_STOP)


class Cursor:
    """A cursor holding one statement's whole result, fetched in the statement's hop."""

    arraysize = 1

    def __init__(self, connection: Connection) -> None:
        self._connection = connection
        self._rows: collections.deque[Any] = collections.deque()
        self.description: Any = None
        self.rowcount = -1
        self.lastrowid: int | None = None

    async def __aenter__(self) -> Cursor:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def execute(self, operation: str, parameters: Any = None) -> Cursor:
        self._take(await self._connection.run(operation, parameters, many=False))
        return self

    async def executemany(self, operation: str, seq_of_parameters: Any) -> Cursor:
        self._take(await self._connection.run(operation, seq_of_parameters, many=True))
        return self

    def _take(self, outcome: _Outcome) -> None:
        self.description = outcome.description
        self._rows = collections.deque(outcome.rows)
        self.rowcount = outcome.rowcount
        self.lastrowid = outcome.lastrowid

    async def fetchone(self) -> Any:
        return self._rows.popleft() if self._rows else None

    async def fetchmany(self, size: int | None = None) -> list[Any]:
        count = min(len(self._rows), size or self.arraysize)
        return [self._rows.popleft() for _ in range(count)]

    async def fetchall(self) -> list[Any]:
        rows = list(self._rows)
        self._rows.clear()
        return rows

    async def close(self) -> None:
        self._rows.clear()


class Connection:
    """One SQLite connection in autocommit mode, on a thread of its own."""

    def __init__(self, thread: _Thread, conn: sqlite3.Connection) -> None:
        self._thread = thread
        # SQLAlchemy's adapter tests ``_connection`` (aiosqlite's name) to know the connection is open.
        self._connection: sqlite3.Connection | None = conn
        self._begin: str | None = None  # the BEGIN the next statement runs first
        self._in_transaction = False
        self._reading = False  # the open transaction was begun as a read transaction
        self._clean = False  # ... and has changed nothing (no write, no failed statement) so far

    @property
    def isolation_level(self) -> str | None:
        return None  # always autocommit: the engine's begin listener emits BEGIN

    @property
    def in_transaction(self) -> bool:
        return self._in_transaction or self._begin is not None

    def begin_with_next_statement(self, begin: str, *, write: bool) -> None:
        """Open a transaction with ``begin`` (``BEGIN``, ``BEGIN IMMEDIATE``) in the next statement's hop.

        No statement runs in between, so this is the same as running it now, one hop cheaper.
        """
        self._begin = begin
        self._reading = self._clean = not write

    def _open(self) -> sqlite3.Connection:
        if self._connection is None:
            raise ValueError("no active connection")
        return self._connection

    async def run(self, operation: str, parameters: Any, *, many: bool) -> _Outcome:
        conn, begin = self._open(), self._begin
        self._begin = None
        try:
            outcome = await self._thread.call(partial(_statement, conn, begin, operation, parameters, many))
        except BaseException:
            # Failed or cancelled (the statement may still run): whether a transaction is open is
            # unknown, so the caller's rollback must really run.
            self._in_transaction, self._clean = True, False
            raise
        self._in_transaction = outcome.in_transaction
        if outcome.wrote:
            self._clean = False
        if outcome.wrote and self._reading and outcome.in_transaction:
            # It works alone, but fails ("database is locked") when another connection commits
            # between this transaction's first read and this write: the unit of work must say it writes.
            log.warning("a read transaction wrote: %.80s", operation)
        return outcome

    def cursor(self) -> Cursor:
        return Cursor(self)

    async def execute(self, operation: str, parameters: Sequence[Any] | None = None) -> Cursor:
        return await self.cursor().execute(operation, parameters)

    async def create_function(self, *args: Any, **kwargs: Any) -> None:
        await self._thread.call(partial(self._open().create_function, *args, **kwargs))

    async def _finish(self, *, commit: bool) -> None:
        self._begin = None
        if not self._in_transaction:
            return
        if self._clean:
            # A read transaction that changed nothing: ending it only lets go of its snapshot, and
            # cannot fail. The thread does it before this connection's next call; nobody waits.
            self._in_transaction = self._clean = False
            self._thread.post(partial(_end, self._open(), False))
            return
        try:
            self._in_transaction = await self._thread.call(partial(_end, self._open(), commit))
        except BaseException:
            self._in_transaction = True
            raise

    async def commit(self) -> None:
        await self._finish(commit=True)

    async def rollback(self) -> None:
        await self._finish(commit=False)

    async def close(self) -> None:
        conn, self._connection = self._connection, None
        if conn is not None:
            try:
                await self._thread.call(conn.close)
            finally:
                self._thread.stop()

    def stop(self) -> None:
        """Close without waiting (SQLAlchemy's terminate, when a graceful close failed)."""
        conn, self._connection = self._connection, None
        if conn is not None:
            self._thread.stop(last=conn.close)


async def connect(database: str, **kwargs: Any) -> Connection:
    """A connection in autocommit mode (``isolation_level=None``, SQLAlchemy's documented recipe)."""
    thread = _Thread()
    kwargs = {**kwargs, "isolation_level": None, "check_same_thread": False}
    try:
        conn = await thread.call(partial(sqlite3.connect, database, **kwargs))
    except BaseException:
        thread.stop()
        raise
    return Connection(thread, conn)
