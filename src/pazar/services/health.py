"""Readiness: the database answers and its schema is at the newest migration."""

from __future__ import annotations

from dataclasses import dataclass

from pazar.db import schema_state
from pazar.db.session import Database


@dataclass(frozen=True, slots=True)
class Readiness:
    ready: bool
    database: str  # "ok" or why not
    migrations: str  # "current", "behind", "not migrated" or "unknown"


async def readiness(db: Database) -> Readiness:
    try:
        current = await schema_state.current_heads(db.engine)
    except Exception as exc:  # any driver error means "not reachable"; the reason is reported
        return Readiness(False, f"unreachable: {type(exc).__name__}", "unknown")
    if not current:
        return Readiness(False, "ok", "not migrated")
    if current != schema_state.expected_heads():
        return Readiness(False, "ok", "behind")
    return Readiness(True, "ok", "current")
