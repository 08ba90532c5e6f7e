"""Snapshots of the whole marketplace, their restore, and a reset to the freshly seeded state.

A snapshot is every row of every table (the sandbox's own tables and the server secrets aside) as a
gzip-compressed JSON document kept in the database, so any process can restore it, on SQLite and on
PostgreSQL alike. A restore replaces the tables' rows in one transaction that holds every table
(PostgreSQL) or the write lock (SQLite), then moves id sequences past the restored rows.
"""

from __future__ import annotations

import base64
import gzip
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Table, delete, insert, select, text
from sqlalchemy.ext.asyncio import AsyncSession as Session

from pazar.db.base import Base
from pazar.db.models import SandboxSnapshot
from pazar.db.session import json_dumps, json_loads
from pazar.domain.errors import NotFound
from pazar.services import seed
from pazar.services.runtime import Runtime
from pazar.services.sandbox import clock as sandbox_clock
from pazar.services.sandbox import faults, journal, settings_store

# Not the marketplace's state: the controls around it, and secrets that never roll back.
_KEPT = frozenset(
    {"server_secrets", "sandbox_settings", "sandbox_faults", "sandbox_requests", "sandbox_snapshots"}
)
_BATCH = 500


def tables() -> list[Table]:
    """The marketplace's tables, parents before children."""
    return [t for t in Base.metadata.sorted_tables if t.name not in _KEPT]


def _encode(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, bytes):
        return base64.b64encode(value).decode()
    if isinstance(value, Decimal):
        return str(value)
    return value


def _decoder(table: Table) -> dict[str, type]:
    kinds: dict[str, type] = {}
    for column in table.columns:
        column_type = getattr(column.type, "impl_instance", column.type)  # a TypeDecorator's own type
        try:
            python_type = column_type.python_type
        except NotImplementedError:
            continue
        if python_type in (datetime, date, bytes, Decimal):
            kinds[column.name] = python_type
    return kinds


def _decode(value: Any, kind: type | None) -> Any:
    if value is None or kind is None:
        return value
    if kind is datetime:
        return datetime.fromisoformat(value)
    if kind is date:
        return date.fromisoformat(value)
    if kind is bytes:
        return base64.b64decode(value)
    return Decimal(value)


async def _dump(session: Session) -> bytes:
    document: dict[str, list[dict[str, Any]]] = {}
    for table in tables():
        rows = (await session.execute(select(table))).mappings()
        document[table.name] = [{k: _encode(v) for k, v in row.items()} for row in rows]
    return gzip.compress(json_dumps(document).encode(), compresslevel=5)


async def save(session: Session, *, name: str, now: datetime) -> dict[str, Any]:
    """Take (or replace) the snapshot ``name``."""
    data = await _dump(session)
    await session.execute(delete(SandboxSnapshot).where(SandboxSnapshot.name == name))
    session.add(SandboxSnapshot(name=name, created_at=now, data=data))
    await session.flush()
    return {"name": name, "created_at": now.isoformat(), "size_bytes": len(data)}


async def listing(session: Session) -> list[dict[str, Any]]:
    rows = await session.execute(
        select(SandboxSnapshot.name, SandboxSnapshot.created_at, SandboxSnapshot.data)
    )
    return [
        {"name": r.name, "created_at": r.created_at.isoformat(), "size_bytes": len(r.data)}
        for r in sorted(rows, key=lambda r: r.created_at)
    ]


async def delete_snapshot(session: Session, name: str) -> None:
    result = await session.execute(delete(SandboxSnapshot).where(SandboxSnapshot.name == name))
    if not result.rowcount:  # type: ignore[attr-defined]
        raise NotFound("Snapshot not found")


async def _hold_everything(session: Session) -> None:
    if session.get_bind().dialect.name == "postgresql":
        names = ", ".join(f'"{t.name}"' for t in tables())
        await session.execute(text(f"LOCK TABLE {names} IN ACCESS EXCLUSIVE MODE"))
    # On SQLite the caller's write transaction (BEGIN IMMEDIATE) already holds the only lock.


async def _wipe(session: Session) -> None:
    for table in reversed(tables()):
        await session.execute(delete(table))


async def _realign_sequences(session: Session) -> None:
    """PostgreSQL's id sequences continue after the restored rows (SQLite derives them from the rows)."""
    if session.get_bind().dialect.name != "postgresql":
        return
    for table in tables():
        key = list(table.primary_key.columns)
        if len(key) != 1 or key[0].autoincrement is False or key[0].type.python_type is not int:
            continue
        name, column = table.name, key[0].name
        # Identifiers from the metadata, never from a request.
        await session.execute(
            text(
                f"SELECT setval(pg_get_serial_sequence('{name}', '{column}'), "  # noqa: S608
                f'COALESCE((SELECT MAX("{column}") FROM "{name}"), 0) + 1, false) '
                f"WHERE pg_get_serial_sequence('{name}', '{column}') IS NOT NULL"
            )
        )


def _forget_caches(runtime: Runtime) -> None:
    runtime.reference.invalidate()
    runtime.tokens_seen.clear()


async def restore(session: Session, runtime: Runtime, *, name: str) -> dict[str, int]:
    """Bring back the marketplace exactly as the snapshot saw it; rows per table."""
    data = await session.scalar(select(SandboxSnapshot.data).where(SandboxSnapshot.name == name))
    if data is None:
        raise NotFound("Snapshot not found")
    document: dict[str, list[dict[str, Any]]] = json_loads(gzip.decompress(data))
    await _hold_everything(session)
    await _wipe(session)
    counts: dict[str, int] = {}
    for table in tables():
        rows = document.get(table.name, [])
        kinds = _decoder(table)
        known = set(table.columns.keys())
        decoded = [{k: _decode(v, kinds.get(k)) for k, v in row.items() if k in known} for row in rows]
        for start in range(0, len(decoded), _BATCH):
            await session.execute(insert(table), decoded[start : start + _BATCH])
        counts[table.name] = len(decoded)
    await _realign_sequences(session)
    await sandbox_clock.caches_stale(session)
    _forget_caches(runtime)
    return counts


async def reset(session: Session, runtime: Runtime) -> list[seed.DemoCredentials]:
    """Back to the freshly seeded marketplace, with no faults, an empty journal and the real time."""
    await _hold_everything(session)
    await _wipe(session)
    await faults.remove(session)
    await journal.clear(session)
    clock = runtime.clock
    if isinstance(clock, sandbox_clock.SandboxClock):
        await sandbox_clock.reset(session, clock)
    else:
        await settings_store.write(session, sandbox_clock.CLOCK, sandbox_clock.ClockState().to_json())
    await _realign_sequences(session)
    creds = await seed.seed(
        session,
        secret_key=runtime.secret_key,
        password=runtime.settings.demo_password,
        clock=runtime.clock,
    )
    await sandbox_clock.caches_stale(session)
    _forget_caches(runtime)
    return creds
