"""Enqueueing, claiming and settling jobs (the worker's side lives in ``pazar.worker``).

A job row is written in the transaction of the change that causes it. Claiming
takes a lease (``locked_by``/``locked_until``); settling a job checks the lease is
still ours in the same transaction as the handler's effects, so a job whose
worker died is run again by another, and no job's effects commit twice.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import Table, and_, bindparam, event, insert, or_, select, update
from sqlalchemy.orm import Session as SyncSession

from pazar.db.models import Job
from pazar.services.runtime import Session

LEASE = timedelta(seconds=60)

# Core statements on the table, built once: jobs are written inside other use cases' transactions,
# where an ORM flush would also flush (and walk) everything else the session holds.
_JOBS = cast(Table, Job.__table__)
_ENQUEUE = insert(_JOBS).returning(_JOBS.c.id)
_COMPLETE = (
    update(_JOBS)
    .where(
        _JOBS.c.id == bindparam("job_id"),
        _JOBS.c.locked_by == bindparam("worker"),
        _JOBS.c.status == "running",
    )
    .values(status="done", finished_at=bindparam("now"), locked_by=None, locked_until=None)
)


async def enqueue(
    session: Session,
    *,
    kind: str,
    payload: dict[str, Any],
    run_at: datetime,
    now: datetime,
    max_attempts: int = 10,
) -> int:
    """Queue a job in the caller's transaction; its id."""
    row = {
        "kind": kind,
        "payload": payload,
        "status": "pending",
        "run_at": run_at,
        "attempts": 0,
        "max_attempts": max_attempts,
        "locked_by": None,
        "locked_until": None,
        "last_error": None,
        "created_at": now,
        "finished_at": None,
    }
    job_id = int((await session.execute(_ENQUEUE, row)).scalar_one())
    if run_at <= now:
        session.info[_DUE_KEY] = True
    return job_id


# --- waking this process's workers when a commit queued a job that is due at once ----------------

_DUE_KEY = "pazar.job_due"
_WAKERS: list[Callable[[], None]] = []


def on_due_job(wake: Callable[[], None]) -> Callable[[], None]:
    """Call ``wake`` after each commit (in this process) that queued a job due at once; the undo."""
    _WAKERS.append(wake)
    return lambda: _WAKERS.remove(wake)


@event.listens_for(SyncSession, "after_commit")
def _after_commit(session: SyncSession) -> None:
    if session.in_nested_transaction():
        return  # a savepoint was released; the outer transaction is still open
    if session.info.pop(_DUE_KEY, False):
        for wake in list(_WAKERS):
            wake()


@event.listens_for(SyncSession, "after_rollback")
def _after_rollback(session: SyncSession) -> None:
    if not session.in_nested_transaction():  # a savepoint's rollback leaves the rest to commit
        session.info.pop(_DUE_KEY, None)


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
    result = await session.execute(_COMPLETE, {"job_id": job_id, "worker": worker, "now": now})
    return bool(result.rowcount == 1)  # type: ignore[attr-defined]


def backoff(attempts: int) -> timedelta:
    """2, 4, 8 ... seconds, capped at an hour."""
    return timedelta(seconds=min(3600, 2 ** max(1, attempts)))


async def fail(session: Session, *, job: Job, worker: str, now: datetime, error: str) -> None:
    exhausted = job.attempts >= job.max_attempts
    await session.execute(
        update(_JOBS)
        .where(_JOBS.c.id == job.id, _JOBS.c.locked_by == worker)
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
