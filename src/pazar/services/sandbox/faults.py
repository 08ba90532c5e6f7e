"""Injected faults: rules matching API calls, answered with an error, a delay or a dropped connection.

A fault's rule lives in the database, so every process applies it at once (each keeps the list for
``CACHE_SECONDS``, and consumes a use of it with one atomic UPDATE, so ``times: 1`` fails exactly
one call however many processes serve). A ``probability`` draw is a function of the fault's seed and
the number of calls it has seen: the same sequence of calls sees the same faults on every run.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession as Session

from pazar.db.models import SandboxFault
from pazar.db.session import Database

STATUSES = (429, 500, 502, 503, 504)
CACHE_SECONDS = 0.2


@dataclass(frozen=True, slots=True)
class Fault:
    id: int
    method: str | None
    path: str | None
    site: str | None
    client_id: str | None
    status: int | None
    retry_after: int | None
    delay_ms: int
    drop: bool
    probability: float | None
    seed: int

    @classmethod
    def of(cls, row: SandboxFault) -> Fault:
        match, effect = row.spec.get("match", {}), row.spec.get("effect", {})
        return cls(
            id=row.id,
            method=match.get("method"),
            path=match.get("path"),
            site=match.get("site"),
            client_id=match.get("client_id"),
            status=effect.get("status"),
            retry_after=effect.get("retry_after"),
            delay_ms=int(effect.get("delay_ms") or 0),
            drop=bool(effect.get("drop", False)),
            probability=row.spec.get("probability"),
            seed=int(row.spec.get("seed") or 0),
        )

    def matches_path(self, path: str) -> bool:
        """``path`` is a prefix, or a template whose ``{name}`` segments match any one segment."""
        if self.path is None:
            return True
        if "{" not in self.path:
            return (
                path == self.path
                or path.startswith(self.path.rstrip("/") + "/")
                or path.startswith(self.path)
            )
        wanted, given = self.path.strip("/").split("/"), path.strip("/").split("/")
        return len(wanted) == len(given) and all(
            w == g or (w.startswith("{") and w.endswith("}") and g)
            for w, g in zip(wanted, given, strict=True)
        )

    def matches(self, *, method: str, path: str, site: str | None) -> bool:
        return (
            (self.method is None or self.method.upper() == method.upper())
            and (self.site is None or self.site == site)
            and self.matches_path(path)
        )


def describe(row: SandboxFault) -> dict[str, Any]:
    return {
        "id": row.id,
        **row.spec,
        "times": row.spec.get("times"),
        "remaining": row.remaining,
        "seen": row.seen,
        "hits": row.hits,
        "created_at": row.created_at.isoformat(),
    }


async def add(session: Session, *, spec: dict[str, Any], now: datetime) -> SandboxFault:
    row = SandboxFault(spec=spec, remaining=spec.get("times"), seen=0, hits=0, created_at=now)
    session.add(row)
    await session.flush()
    return row


async def listing(session: Session) -> list[SandboxFault]:
    return list((await session.execute(select(SandboxFault).order_by(SandboxFault.id))).scalars())


async def remove(session: Session, fault_id: int | None = None) -> int:
    stmt = delete(SandboxFault)
    if fault_id is not None:
        stmt = stmt.where(SandboxFault.id == fault_id)
    return int((await session.execute(stmt)).rowcount)  # type: ignore[attr-defined]


class FaultBook:
    """A process's view of the faults (cached briefly) and the atomic use of one."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self._faults: list[Fault] = []
        self._read_at = float("-inf")

    def invalidate(self) -> None:
        self._read_at = float("-inf")

    async def candidates(self) -> list[Fault]:
        if time.monotonic() - self._read_at >= CACHE_SECONDS:
            async with self.db.sessions() as session:
                rows = await listing(session)
            self._faults = [Fault.of(row) for row in rows]
            self._read_at = time.monotonic()
        return self._faults

    async def use(self, fault: Fault) -> bool:
        """Count a matching call; True when the fault applies to it (a use left, the draw says so).

        Each step is one conditional UPDATE, so concurrent calls never use more than ``times``.
        """
        left = or_(SandboxFault.remaining.is_(None), SandboxFault.remaining > 0)
        hit = {"hits": SandboxFault.hits + 1, "remaining": SandboxFault.remaining - 1}  # NULL stays NULL
        mine = (SandboxFault.id == fault.id, left)
        async with self.db.transaction() as session:
            if fault.probability is None:
                applied = await session.scalar(
                    update(SandboxFault)
                    .where(*mine)
                    .values(seen=SandboxFault.seen + 1, **hit)
                    .returning(SandboxFault.id)
                )
                return applied is not None
            seen = await session.scalar(
                update(SandboxFault)
                .where(*mine)
                .values(seen=SandboxFault.seen + 1)
                .returning(SandboxFault.seen)
            )
            if seen is None or random.Random(f"{fault.seed}:{seen}").random() >= fault.probability:
                return False
            applied = await session.scalar(
                update(SandboxFault).where(*mine).values(**hit).returning(SandboxFault.id)
            )
            return applied is not None
