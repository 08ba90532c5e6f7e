"""Advancing the sandbox clock the way time would have passed: every job and webhook retry that falls
due inside the window runs at its own due time, in order, before the call returns.

Stepping through due times (rather than jumping to the end) keeps lifecycles exact: an advert
moderated 3 s after posting expires ``valid_days`` after *that*, within the same advance.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

from sqlalchemy import func, select

from pazar.db.models import Job, WebhookDelivery
from pazar.domain.errors import DomainError
from pazar.services.runtime import Runtime
from pazar.services.sandbox import clock as sandbox_clock

# Runs every job and delivery due at the runtime clock's time; the number run (the worker's
# ``run_due``, handed in by the composition root: services do not import the worker).
Drain = Callable[[Runtime], Awaitable[int]]
MAX_STEPS = 5000


class NotSandboxClock(DomainError):
    code = "sandbox_clock_missing"


async def _next_due(runtime: Runtime, until: datetime) -> datetime | None:
    async with runtime.db.sessions() as session:
        job = await session.scalar(
            select(func.min(Job.run_at)).where(Job.status == "pending", Job.run_at <= until)
        )
        delivery = await session.scalar(
            select(func.min(WebhookDelivery.next_attempt_at)).where(
                WebhookDelivery.status == "pending", WebhookDelivery.next_attempt_at <= until
            )
        )
    found = [moment for moment in (job, delivery) if moment is not None]
    return min(found) if found else None


def _clock_of(runtime: Runtime) -> sandbox_clock.SandboxClock:
    clock = runtime.clock
    if not isinstance(clock, sandbox_clock.SandboxClock):
        raise NotSandboxClock("The sandbox clock is not in use (operator mode)")
    return clock


async def advance(runtime: Runtime, by: timedelta, drain: Drain) -> int:
    """Move the clock forward by ``by``, running what falls due on the way; the number of runs."""
    clock = _clock_of(runtime)
    await clock.refresh(runtime.db, force=True)
    start = clock.state
    target = clock.now() + by
    ran = await drain(runtime)  # what was already due
    for _ in range(MAX_STEPS):
        due = await _next_due(runtime, target)
        if due is None:
            break
        if due > clock.now():
            async with runtime.db.transaction() as session:
                await sandbox_clock.move_to(session, clock, due)
        done = await drain(runtime)
        ran += done
        if done == 0 and due <= clock.now():
            break  # due but not runnable (leased by a live worker elsewhere): leave it to that worker
    # Exactly ``by`` further than at the start, however long the jobs on the way took.
    end = sandbox_clock.ClockState(
        start.offset + (by if start.frozen_at is None else timedelta(0)),
        start.frozen_at + by if start.frozen_at is not None else None,
    )
    async with runtime.db.transaction() as session:
        await sandbox_clock.save(session, clock, end)
    return ran + await drain(runtime)
