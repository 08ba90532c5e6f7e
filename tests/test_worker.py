"""The worker: leases, retries with backoff, two workers racing, a worker killed mid-job."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import event, func, select

from pazar.config import Settings
from pazar.db.models import AdvertEvent, Job
from pazar.ports import ManualClock
from pazar.services import jobs
from pazar.services.runtime import Runtime, Session
from pazar.worker import Worker
from support import World, seller, unique


async def _events(world: World, advert_ids: list[int], kind: str) -> dict[int, int]:
    async with world.app.runtime.db.transaction() as session:
        rows = await session.execute(
            select(AdvertEvent.advert_id, func.count())
            .where(AdvertEvent.advert_id.in_(advert_ids), AdvertEvent.type == kind)
            .group_by(AdvertEvent.advert_id)
        )
        return {advert_id: count for advert_id, count in rows.all()}


def _adverts_of(job: Job) -> set[int]:
    """The adverts a ``moderate`` job is about (one, or a batch's list)."""
    return {
        int(i) for i in [job.payload.get("advert_id"), *job.payload.get("advert_ids", [])] if i is not None
    }


async def _job_rows(world: World, advert_ids: list[int]) -> list[Job]:
    async with world.app.runtime.db.transaction() as session:
        all_jobs = (await session.execute(select(Job).where(Job.kind == "moderate"))).scalars().all()
        return [j for j in all_jobs if _adverts_of(j) & set(advert_ids)]


async def test_two_workers_racing_run_each_job_once(world: World, settings: Settings) -> None:
    me = await seller(world)
    made = [(await me.create())["id"] for _ in range(24)]
    runtimes = [Runtime.from_settings(settings, clock=world.clock) for _ in range(2)]
    workers = [Worker(rt, name=f"racer-{i}", batch=3) for i, rt in enumerate(runtimes)]
    try:
        await asyncio.gather(*(w.run_until_idle() for w in workers))
    finally:
        for rt in runtimes:
            await rt.db.dispose()
    assert await _events(world, made, "advert_activated") == dict.fromkeys(made, 1)
    rows = await _job_rows(world, made)
    assert len(rows) == 24 and all(j.status == "done" and j.attempts == 1 for j in rows)


async def test_a_failing_job_is_retried_with_backoff_then_given_up(world: World) -> None:
    calls: list[int] = []

    async def flaky(session: Session, payload: dict[str, Any], runtime: Runtime) -> None:
        calls.append(payload["n"])
        if len(calls) < 3:
            raise RuntimeError("temporary failure")

    runtime = world.app.runtime
    async with runtime.db.transaction() as session:
        job_id = await jobs.enqueue(
            session,
            kind="flaky",
            payload={"n": 1},
            run_at=world.clock.now(),
            now=world.clock.now(),
            max_attempts=5,
        )
    worker = Worker(runtime, handlers={"flaky": flaky})
    assert await worker.run_once() == 1
    assert await worker.run_once() == 0  # backing off: not due yet
    world.clock.advance(timedelta(seconds=2))
    await worker.run_once()
    world.clock.advance(timedelta(seconds=4))
    await worker.run_once()
    async with runtime.db.transaction() as session:
        done = await session.get(Job, job_id)
    assert done is not None and done.status == "done" and done.attempts == 3 and len(calls) == 3

    async def broken(session: Session, payload: dict[str, Any], runtime: Runtime) -> None:
        raise ValueError("never works")

    async with runtime.db.transaction() as session:
        doomed_id = await jobs.enqueue(
            session,
            kind="broken",
            payload={},
            run_at=world.clock.now(),
            now=world.clock.now(),
            max_attempts=2,
        )
    worker = Worker(runtime, handlers={"broken": broken})
    await worker.run_once()
    world.clock.advance(timedelta(hours=2))
    await worker.run_once()
    async with runtime.db.transaction() as session:
        failed = await session.get(Job, doomed_id)
    assert failed is not None and failed.status == "failed" and "never works" in (failed.last_error or "")


async def test_a_stalled_workers_job_is_taken_over_and_its_late_effects_discarded(world: World) -> None:
    me = await seller(world)
    advert_id = (await me.create())["id"]
    runtime = world.app.runtime
    async with runtime.db.transaction() as session:
        claimed = await jobs.claim(
            session, worker="stalled", now=world.clock.now(), limit=100, kinds=["moderate"]
        )
    assert any(advert_id in _adverts_of(j) for j in claimed)
    assert await Worker(runtime, name="fresh").run_once() == 0  # leased: nobody else may take it
    world.clock.advance(jobs.LEASE + timedelta(seconds=1))
    assert await Worker(runtime, name="fresh").run_until_idle() >= 1
    async with runtime.db.transaction() as session:
        assert not await jobs.complete(session, job_id=claimed[0].id, worker="stalled", now=world.clock.now())
    assert await _events(world, [advert_id], "advert_activated") == {advert_id: 1}


_KILLED_WORKER = textwrap.dedent(
    """
    import asyncio, sys
    from pazar.config import Settings
    from pazar.services.runtime import Runtime
    from pazar.services import moderation
    from pazar.wiring import job_handlers
    from pazar.worker import Worker

    async def slow_moderation(session, payload, runtime):
        await job_handlers()["moderate"](session, payload, runtime)  # the effects, inside the job's transaction
        print("in-job", flush=True)
        await asyncio.sleep(3600)                                # killed here, before the commit

    async def main():
        runtime = Runtime.from_settings(Settings(database_url=sys.argv[1]))
        await Worker(runtime, name="doomed", batch=1, handlers={"moderate": slow_moderation}).run_once()

    asyncio.run(main())
    """
)


async def test_a_worker_killed_mid_job_loses_nothing(world: World, settings: Settings, tmp_path: Any) -> None:
    me = await seller(world)
    advert_id = (await me.create())["id"]
    # Only this advert's job is due for the doomed process (the others' run_at lies in the future for it).
    script = tmp_path / "doomed.py"
    script.write_text(_KILLED_WORKER)
    async with world.app.runtime.db.transaction() as session:
        await session.execute(
            Job.__table__.update()
            .where(Job.kind == "moderate", Job.status == "pending")
            .values(run_at=world.clock.now() + timedelta(days=3650))
        )
        mine = next(
            j
            for j in (await session.execute(select(Job).where(Job.kind == "moderate"))).scalars()
            if advert_id in _adverts_of(j)
        )
        mine.run_at = world.clock.now() - timedelta(days=3650)  # due for the real clock of the child too
    child = subprocess.Popen(
        [sys.executable, str(script), settings.database_url],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ},
    )
    assert child.stdout is not None
    line = await asyncio.wait_for(asyncio.to_thread(child.stdout.readline), timeout=60)
    assert line.strip() == b"in-job", child.stderr.read() if child.stderr else b""
    os.kill(child.pid, signal.SIGKILL)
    child.wait(timeout=30)
    assert await _events(world, [advert_id], "advert_activated") == {}  # nothing of the killed job committed
    assert await me.status(advert_id) == "new"
    later = ManualClock(datetime.now(UTC) + timedelta(days=1))  # past the dead worker's (real-time) lease
    runtime = Runtime.from_settings(settings, clock=later)
    try:
        ran = await Worker(runtime, name="survivor").run_until_idle()
    finally:
        await runtime.db.dispose()
    assert ran >= 1
    assert await _events(world, [advert_id], "advert_activated") == {advert_id: 1}


# --- short jobs run together: one transaction, a savepoint each ---------------------------------


async def _batchy_jobs(world: World, kind: str, count: int) -> list[int]:
    now = world.clock.now()
    async with world.app.runtime.db.transaction() as session:
        return [
            await jobs.enqueue(
                session, kind=kind, payload={"n": n, "marks": f"{kind}-mark"}, run_at=now, now=now
            )
            for n in range(count)
        ]


async def _marks(world: World, kind: str) -> list[int]:
    async with world.app.runtime.db.transaction() as session:
        rows = (await session.execute(select(Job.payload).where(Job.kind == f"{kind}-mark"))).scalars()
        return sorted(int(p["n"]) for p in rows)


async def _mark(session: Session, payload: dict[str, Any], runtime: Runtime) -> None:
    """A job whose only effect is a row it writes (a job of another kind that is never due)."""
    later = runtime.clock.now() + timedelta(days=3650)
    await jobs.enqueue(session, kind=payload["marks"], payload={"n": payload["n"]}, run_at=later, now=later)


async def _mark_and_fail_on_two(session: Session, payload: dict[str, Any], runtime: Runtime) -> None:
    await _mark(session, payload, runtime)
    if payload["n"] == 2:
        raise RuntimeError("job 2 fails")


@contextlib.contextmanager
def counting_commits(runtime: Runtime) -> Iterator[list[int]]:
    """The database commits made inside the block (one item each)."""
    commits: list[int] = []

    def count(_connection: Any) -> None:
        commits.append(1)

    event.listen(runtime.db.engine.sync_engine, "commit", count)
    try:
        yield commits
    finally:
        event.remove(runtime.db.engine.sync_engine, "commit", count)


@pytest.fixture
def roomy_batches(monkeypatch: pytest.MonkeyPatch) -> None:
    """No time budget: however slow the machine, a claim's jobs share one transaction."""
    import pazar.worker

    monkeypatch.setattr(pazar.worker, "BATCH_SECONDS", 3600.0)


async def test_a_batch_commits_once_and_a_failing_job_rolls_back_alone(
    world: World, roomy_batches: None
) -> None:
    runtime, kind = world.app.runtime, unique("batchy")
    ids = await _batchy_jobs(world, kind, 4)
    worker = Worker(runtime, handlers={kind: _mark_and_fail_on_two}, batched_kinds=frozenset({kind}))
    with counting_commits(runtime) as commits:
        assert await worker.run_once() == 4
    assert len(commits) == 2  # the claim, then the four jobs together
    assert await _marks(world, kind) == [0, 1, 3]  # job 2's write was rolled back with its savepoint
    async with runtime.db.transaction() as session:
        rows = {j.id: j for j in (await session.execute(select(Job).where(Job.id.in_(ids)))).scalars()}
    assert [rows[i].status for i in ids] == ["done", "done", "pending", "done"]
    assert "job 2 fails" in (rows[ids[2]].last_error or "") and rows[ids[2]].attempts == 1


async def test_a_batch_past_its_time_budget_goes_on_in_a_new_transaction(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    import pazar.worker

    monkeypatch.setattr(pazar.worker, "BATCH_SECONDS", 0.0)  # every job is over budget after the first
    runtime, kind = world.app.runtime, unique("batchy")
    ids = await _batchy_jobs(world, kind, 3)
    worker = Worker(runtime, handlers={kind: _mark}, batched_kinds=frozenset({kind}))
    with counting_commits(runtime) as commits:
        assert await worker.run_once() == 3
    assert len(commits) == 4  # the claim, then one transaction per job
    assert await _marks(world, kind) == [0, 1, 2]
    async with runtime.db.transaction() as session:
        statuses = (await session.execute(select(Job.status).where(Job.id.in_(ids)))).scalars().all()
    assert statuses == ["done"] * 3


async def test_a_batch_is_one_transaction_others_see_only_when_it_ends(
    world: World, settings: Settings, roomy_batches: None
) -> None:
    runtime, kind = world.app.runtime, unique("batchy")
    await _batchy_jobs(world, kind, 3)
    outside = Runtime.from_settings(settings, clock=world.clock)  # another connection, as another process
    seen: list[list[int]] = []

    async def mark_then_look(session: Session, payload: dict[str, Any], runtime: Runtime) -> None:
        await _mark(session, payload, runtime)
        async with outside.db.transaction(write=False) as other:
            rows = (await other.execute(select(Job.payload).where(Job.kind == f"{kind}-mark"))).scalars()
            seen.append(sorted(int(p["n"]) for p in rows))

    try:
        worker = Worker(runtime, handlers={kind: mark_then_look}, batched_kinds=frozenset({kind}))
        assert await worker.run_once() == 3
    finally:
        await outside.db.dispose()
    assert seen == [[], [], []]  # no job's write was visible before the batch committed
    assert await _marks(world, kind) == [0, 1, 2]


async def test_a_commit_that_queues_a_due_job_wakes_the_running_worker(world: World) -> None:
    runtime, kind = world.app.runtime, unique("wakes")
    ran = asyncio.Event()

    async def handler(session: Session, payload: dict[str, Any], runtime: Runtime) -> None:
        ran.set()

    worker = Worker(runtime, handlers={kind: handler}, poll_interval=3600)  # it would never poll here
    loop = asyncio.create_task(worker.run_forever())
    try:
        await asyncio.sleep(0.05)  # the worker found nothing and waits
        assert not ran.is_set()
        await _batchy_jobs(world, kind, 1)
        await asyncio.wait_for(ran.wait(), timeout=5)
    finally:
        worker.stop()
        await asyncio.wait_for(loop, timeout=5)
