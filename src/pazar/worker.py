"""The worker: claims due jobs and runs each handler in its own transaction.

``pazar serve`` embeds one; ``pazar worker`` runs them alone. Several workers, in
one process or on several machines, share the jobs table safely (see
``services.jobs``): a handler's effects and the job's completion commit together,
a crashed worker's lease runs out and another takes the job, failures are retried
with exponential backoff.

Short jobs (moderation, expiry, RE operations) of one claim share a transaction, each
in a savepoint: a failing job rolls back alone, and a commit costs one per batch
rather than one per job. A batch closes after ``BATCH_SECONDS`` so that it never
holds SQLite's write lock (or PostgreSQL row locks) for long.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import os
import socket
import time
import uuid
from typing import Any

from pazar.services import jobs, webhook_delivery
from pazar.services.adverts import EXPIRE_JOB, MODERATE_JOB
from pazar.services.realestate import operations as re_operations
from pazar.services.runtime import JobHandler, Runtime, Session
from pazar.services.sandbox import clock as sandbox_clock
from pazar.wiring import job_handlers, wire_runtime

log = logging.getLogger("pazar.worker")

Handler = JobHandler

# Jobs that do a few statements and no network I/O: run together, one savepoint each.
BATCHED_KINDS: frozenset[str] = frozenset({MODERATE_JOB, EXPIRE_JOB, re_operations.RE_OPERATION_JOB})
BATCH_SECONDS = 0.025


class Worker:
    def __init__(
        self,
        runtime: Runtime,
        *,
        name: str | None = None,
        batch: int = 20,
        poll_interval: float = 0.5,
        handlers: dict[str, Handler] | None = None,
        batched_kinds: frozenset[str] = BATCHED_KINDS,
    ) -> None:
        wire_runtime(runtime)
        self.runtime = runtime
        self.name = name or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
        self.batch = batch
        self.poll_interval = poll_interval
        self.handlers = handlers or job_handlers()
        self.batched_kinds = batched_kinds
        self._stop = asyncio.Event()
        self._wake = asyncio.Event()

    async def run_once(self) -> int:
        """Claim one batch of due jobs and run them; the number run."""
        db, clock = self.runtime.db, self.runtime.clock
        await sandbox_clock.refresh(clock, db)
        async with db.transaction() as session:
            claimed = await jobs.claim(
                session, worker=self.name, now=clock.now(), limit=self.batch, kinds=list(self.handlers)
            )
        together = [job for job in claimed if job.kind in self.batched_kinds]
        while together:
            together = await self._run_together(together)
        for job in claimed:
            if job.kind not in self.batched_kinds:
                await self._run(job)
        return len(claimed)

    async def _attempt(self, session: Session, job: Any) -> None:
        """The job's handler, then its completion, in the session's transaction."""
        await self.handlers[job.kind](session, job.payload, self.runtime)
        if not await jobs.complete(session, job_id=job.id, worker=self.name, now=self.runtime.clock.now()):
            raise LeaseLost(job.id)

    def _counts_as_failure(self, job: Any, exc: Exception) -> bool:
        """Log why a job's effects were rolled back; whether that counts as a failed attempt."""
        if isinstance(exc, LeaseLost):
            log.warning("job %s was taken over by another worker; its effects were rolled back", job.id)
            return False
        log.error("job %s (%s) failed", job.id, job.kind, exc_info=exc)
        return True

    async def _run(self, job: Any) -> None:
        db, clock = self.runtime.db, self.runtime.clock
        try:
            async with db.transaction() as session:
                await self._attempt(session, job)
        except Exception as exc:
            if self._counts_as_failure(job, exc):
                async with db.transaction() as session:
                    await jobs.fail(session, job=job, worker=self.name, now=clock.now(), error=repr(exc))

    async def _run_together(self, claimed: list[Any]) -> list[Any]:
        """Run jobs in one transaction, a savepoint each, until the time budget; the jobs left."""
        db, clock = self.runtime.db, self.runtime.clock
        started = time.monotonic()
        attempted: list[Any] = []
        try:
            # A write transaction: BEGIN IMMEDIATE on SQLite, so no savepoint opens the transaction.
            async with db.transaction() as session:
                for job in claimed:
                    if attempted and time.monotonic() - started > BATCH_SECONDS:
                        break
                    attempted.append(job)
                    try:
                        async with session.begin_nested():
                            await self._attempt(session, job)
                    except Exception as exc:
                        if self._counts_as_failure(job, exc):
                            await jobs.fail(
                                session, job=job, worker=self.name, now=clock.now(), error=repr(exc)
                            )
        except Exception:
            # The batch's commit failed, so none of it landed: run its jobs again, each alone.
            log.exception("a batch of %d jobs failed to commit; running them one by one", len(attempted))
            for job in attempted:
                await self._run(job)
        return claimed[len(attempted) :]

    async def run_until_idle(self, max_rounds: int = 1000) -> int:
        """Run due jobs until none is left (tests and the sandbox use this)."""
        total = 0
        for _ in range(max_rounds):
            done = await self.run_once()
            total += done
            if done == 0:
                break
        return total

    async def run_forever(self) -> None:
        log.info("worker %s started", self.name)
        # What start-up built (mappers, reference data, compiled statements) lives as long as the
        # process: keep the cyclic collector from walking it on every collection (~15% of a bulk job).
        gc.freeze()
        # A commit of this process that queues a job due at once wakes us; other processes' jobs
        # are found by polling.
        stop_listening = jobs.on_due_job(self._wake.set)
        try:
            while not self._stop.is_set():
                self._wake.clear()  # a wake-up during the round below makes the wait return at once
                try:
                    done = await self.run_once()
                except Exception:
                    log.exception("worker round failed")
                    done = 0
                if done < self.batch:
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(self._wake.wait(), timeout=self.poll_interval)
        finally:
            stop_listening()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()


async def run_due(runtime: Runtime) -> int:
    """Run every job and webhook delivery due now, to the end; how many ran (the sandbox clock's drain)."""
    ran = await Worker(runtime, poll_interval=0).run_until_idle()
    dispatcher = webhook_delivery.Dispatcher(runtime)
    try:
        ran += await dispatcher.run_until_idle()
    finally:
        await dispatcher.aclose()
    return ran


class LeaseLost(Exception):
    pass
