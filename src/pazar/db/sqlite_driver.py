"""The SQLite driver pazar runs on: SQLAlchemy's aiosqlite dialect, with fewer thread hops.

aiosqlite runs every sqlite3 call on a thread of its own and SQLAlchemy's adapter makes four such
calls per statement (cursor, execute, fetchall, close), each a round trip through a queue and the
event loop's wake-up pipe; a commit or rollback is one more, even when nothing was written. On the
API's hot paths those hops, not SQLite, were most of the time (bench/README.md). Here a statement
is one hop (execute, fetch every row, close, all on the connection's thread) and a commit or
rollback with no transaction open is no hop at all.

Writers of one process also queue on an asyncio lock (the write gate) before they take SQLite's
write lock: SQLite makes a second writer sleep and poll (``busy_timeout``, up to 100 ms a nap),
which turned a burst of POSTs into seconds of tail latency; in the queue they wait their turn.
Writers of other processes still meet SQLite's own lock, as before.
"""

from __future__ import annotations

import asyncio
import collections
import sqlite3
import weakref
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy.dialects import registry
from sqlalchemy.dialects.sqlite.aiosqlite import (
    AsyncAdapt_aiosqlite_connection,
    AsyncAdapt_aiosqlite_cursor,
    AsyncAdapt_aiosqlite_dbapi,
    SQLiteDialect_aiosqlite,
)
from sqlalchemy.util import EMPTY_DICT
from sqlalchemy.util.concurrency import await_

GATE_TIMEOUT_SECONDS = 30.0  # = the busy_timeout pazar.db.session sets
DRIVER_NAME = "sqlite.pazar_aiosqlite"
DRIVER_URL_SCHEME = "sqlite+pazar_aiosqlite"

# Statements that take (or may take) SQLite's write lock; everything else reads.
_WRITE_VERBS = frozenset(
    {"INSERT", "UPDATE", "DELETE", "REPLACE", "BEGIN", "SAVEPOINT", "CREATE", "DROP", "ALTER"}
)


def _is_write(operation: str) -> bool:
    head = operation.lstrip()[:9].split(None, 1)
    return bool(head) and head[0].upper() in _WRITE_VERBS


@dataclass(slots=True)
class _Outcome:
    description: Any
    rows: list[Any]
    rowcount: int
    lastrowid: int | None
    in_transaction: bool


def _run(aio: Any, operation: str, parameters: Any, many: bool) -> _Outcome:
    """One statement from start to end, on the connection's own thread."""
    conn: sqlite3.Connection = aio._conn
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
        return _Outcome(description, rows, cursor.rowcount, cursor.lastrowid, conn.in_transaction)
    finally:
        cursor.close()


def _end(aio: Any, commit: bool) -> None:
    conn: sqlite3.Connection = aio._conn
    if commit:
        conn.commit()
    else:
        conn.rollback()


class OneHopCursor(AsyncAdapt_aiosqlite_cursor):
    """A cursor holding one statement's whole result, fetched in the same hop as the statement."""

    __slots__ = ("_description", "_lastrowid", "_rowcount")

    def __init__(self, adapt_connection: OneHopConnection) -> None:  # no hop: nothing to open yet
        self._adapt_connection = adapt_connection
        self._connection = adapt_connection._connection
        self._soft_closed_memoized = EMPTY_DICT
        self._rows = collections.deque()
        self._description: Any = None
        self._rowcount = -1
        self._lastrowid: int | None = None

    @property
    def description(self) -> Any:
        return self._description

    @property
    def rowcount(self) -> int:
        return self._rowcount

    @property
    def lastrowid(self) -> Any:
        return self._lastrowid

    @property
    def arraysize(self) -> int:
        return 1

    @arraysize.setter
    def arraysize(self, value: int) -> None:
        pass

    async def _async_soft_close(self) -> None:
        return None

    def close(self) -> None:
        self._rows.clear()

    def execute(self, operation: Any, parameters: Any = None) -> Any:
        self._take(cast(OneHopConnection, self._adapt_connection).run(operation, parameters, many=False))

    def executemany(self, operation: Any, seq_of_parameters: Any) -> Any:
        self._take(
            cast(OneHopConnection, self._adapt_connection).run(operation, seq_of_parameters, many=True)
        )

    def _take(self, outcome: _Outcome) -> None:
        self._description = outcome.description
        self._rows = collections.deque(outcome.rows)
        self._rowcount = outcome.rowcount
        self._lastrowid = outcome.lastrowid


class OneHopConnection(AsyncAdapt_aiosqlite_connection):
    __slots__ = ("_gate", "_holds_gate", "_in_transaction")

    _cursor_cls = OneHopCursor  # type: ignore[assignment]

    def __init__(self, dbapi: Any, connection: Any, gate: asyncio.Lock) -> None:
        super().__init__(dbapi, connection)
        self._gate = gate
        self._holds_gate = False
        # sqlite3 opens transactions implicitly, before the first write; none is open yet.
        self._in_transaction = False

    def run(self, operation: str, parameters: Any, *, many: bool) -> _Outcome:
        if not self._holds_gate and _is_write(operation):
            self._enter_gate()
        try:
            outcome: _Outcome = await_(
                self._connection._execute(_run, self._connection, operation, parameters, many)
            )
        except BaseException as error:
            # Failed or cancelled (the statement may still run on the thread): whether a transaction
            # is open is unknown, so the caller's rollback must really run (and then opens the gate).
            self._settle(True)
            if isinstance(error, Exception):
                self._handle_exception(error)
            raise
        self._settle(outcome.in_transaction)
        return outcome

    def _enter_gate(self) -> None:
        # As long as SQLite itself would wait for its lock: a writer never waits forever.
        try:
            await_(asyncio.wait_for(self._gate.acquire(), GATE_TIMEOUT_SECONDS))
        except TimeoutError:
            raise self.dbapi.OperationalError("database is locked (write queue timeout)") from None
        self._holds_gate = True

    def _settle(self, in_transaction: bool) -> None:
        self._in_transaction = in_transaction
        if self._holds_gate and not in_transaction:
            self._holds_gate = False
            self._gate.release()

    def _finish(self, *, commit: bool) -> None:
        if not self._in_transaction:
            self._settle(False)
            return
        try:
            await_(self._connection._execute(_end, self._connection, commit))
        except Exception as error:
            self._handle_exception(error)
        finally:
            self._settle(False)

    def commit(self) -> None:
        if self._connection._connection:
            self._finish(commit=True)

    def rollback(self) -> None:
        if self._connection._connection:
            self._finish(commit=False)

    def close(self) -> None:
        self._settle(False)
        super().close()

    def terminate(self) -> None:
        self._settle(False)
        super().terminate()

    @property
    def isolation_level(self) -> str | None:
        return AsyncAdapt_aiosqlite_connection.isolation_level.fget(self)  # type: ignore[attr-defined,no-any-return]

    @isolation_level.setter
    def isolation_level(self, value: str | None) -> None:
        AsyncAdapt_aiosqlite_connection.isolation_level.fset(self, value)  # type: ignore[attr-defined]
        self._in_transaction = True  # unknown now: let the next commit or rollback really run


class OneHopDBAPI(AsyncAdapt_aiosqlite_dbapi):
    """One per engine, so one write gate per engine (and event loop) and process."""

    def __init__(self, aiosqlite: Any, sqlite: Any) -> None:
        super().__init__(aiosqlite, sqlite)
        self._gates: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock] = (
            weakref.WeakKeyDictionary()
        )

    def connect(self, *arg: Any, **kw: Any) -> OneHopConnection:
        plain = super().connect(*arg, **kw)
        gate = self._gates.setdefault(asyncio.get_running_loop(), asyncio.Lock())
        return OneHopConnection(self, plain._connection, gate)


class OneHopSQLiteDialect(SQLiteDialect_aiosqlite):
    driver = "pazar_aiosqlite"
    supports_statement_cache = True

    @classmethod
    def import_dbapi(cls) -> OneHopDBAPI:
        return OneHopDBAPI(__import__("aiosqlite"), __import__("sqlite3"))


def register() -> None:
    """Make ``sqlite+pazar_aiosqlite://`` URLs resolve to this dialect (idempotent)."""
    registry.register(DRIVER_NAME, __name__, "OneHopSQLiteDialect")
