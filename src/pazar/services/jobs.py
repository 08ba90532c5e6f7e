"""Enqueueing, claiming and settling jobs (the worker's side lives in ``pazar.worker``).

A job row is written in the transaction of the change that causes it. Claiming
takes a lease (``locked_by``/``locked_until``); settling a job checks the lease is
still ours in the same transaction as the handler's effects, so a job whose
worker died is run again by another, and no job's effects commit twice.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, or_, select, update

from pazar.db.models import Job
from pazar.services.runtime import Session

LEASE = timedelta(seconds=60)


async def enqueue(
    session: Session,
    *,
    kind: str,
    payload: dict[str, Any],
    run_at: datetime,
    now: datetime,
    max_attempts: int = 10,
) -> Job:
    job = Job(
        kind=kind,
        payload=payload,
        status="pending",
        run_at=run_at,
        attempts=0,
        max_attempts=max_attempts,
        locked_by=None,
        locked_until=None,
        last_error=None,
        created_at=now,
        finished_at=None,
    )
    session.add(job)
    await session.flush()
    return job


def _due(now: datetime) -> Any:
    return or_(
        and_(Job.status == "pending", Job.run_at <= now),
        and_(Job.status == "running", Job.locked_until < now),  # its worker died or stalled
    )


async def claim(
    session: Session, *, worker: str, now: datetime, limit: int, kinds: list[str] | None = None
) -> list[Job]:
    """Lease up to ``limit`` due jobs to ``worker``; concurrent workers never get the same job."""
    candidates = select(Job.id).where(_due(now)).order_by(Job.run_at, Job.id).limit(limit)
    if kinds:
        candidates = candidates.where(Job.kind.in_(kinds))
    if session.bind is not None and session.bind.dialect.name == "postgresql":
        candidates = candidates.with_for_update(skip_locked=True)
    ids = list((await session.execute(candidates)).scalars())
    if not ids:
        return []
    stmt = (
        update(Job)
        .where(Job.id.in_(ids), _due(now))  # re-checked: on SQLite another process may have won
        .values(status="running", locked_by=worker, locked_until=now + LEASE, attempts=Job.attempts + 1)
        .returning(Job)
    )
    return list((await session.execute(stmt)).scalars())


async def complete(session: Session, *, job_id: int, worker: str, now: datetime) -> bool:
    """Mark done if the lease is still ours; False means another worker took over (roll back)."""
    result = await session.execute(
        update(Job)
        .where(Job.id == job_id, Job.locked_by == worker, Job.status == "running")
        .values(status="done", finished_at=now, locked_by=None, locked_until=None)
    )
    return bool(result.rowcount == 1)  # type: ignore[attr-defined]


def backoff(attempts: int) -> timedelta:
    """2, 4, 8 ... seconds, capped at an hour."""
    return timedelta(seconds=min(3600, 2 ** max(1, attempts)))


async def fail(session: Session, *, job: Job, worker: str, now: datetime, error: str) -> None:
    exhausted = job.attempts >= job.max_attempts
    await session.execute(
        update(Job)
        .where(Job.id == job.id, Job.locked_by == worker)
        .values(
            status="failed" if exhausted else "pending",
            run_at=now + backoff(job.attempts),
            last_error=error[:2000],
            locked_by=None,
            locked_until=None,
            finished_at=now if exhausted else None,
        )
    )


async def pending_count(session: Session, *, now: datetime | None = None) -> int:
    stmt = select(Job.id).where(Job.status.in_(("pending", "running")))
    if now is not None:
        stmt = select(Job.id).where(_due(now))
    return len(list((await session.execute(stmt)).scalars()))
