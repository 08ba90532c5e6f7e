"""INSERT ... ON CONFLICT helpers for the two supported databases."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Insert
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession


def _insert(session: AsyncSession, model: Any, rows: Sequence[dict[str, Any]]) -> Any:
    dialect = session.bind.dialect.name if session.bind is not None else "sqlite"
    module: Any = postgresql if dialect == "postgresql" else sqlite
    return module.insert(model).values(list(rows))


def insert_ignore(session: AsyncSession, model: Any, rows: Sequence[dict[str, Any]]) -> Insert:
    stmt = _insert(session, model, rows)
    result: Insert = stmt.on_conflict_do_nothing()
    return result


def upsert(
    session: AsyncSession, model: Any, rows: Sequence[dict[str, Any]], *, keys: Sequence[str]
) -> Insert:
    """Insert rows; where the key exists, overwrite every other column with the new values."""
    stmt = _insert(session, model, rows)
    columns = [c for c in rows[0] if c not in keys]
    result: Insert = stmt.on_conflict_do_update(
        index_elements=list(keys), set_={c: stmt.excluded[c] for c in columns}
    )
    return result
