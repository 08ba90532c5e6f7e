"""The worker: claims due jobs and runs each handler in its own transaction.

``pazar serve`` embeds one; ``pazar worker`` runs them alone. Several workers, in
one process or on several machines, share the jobs table safely (see
``services.jobs``): a handler's effects and the job's completion commit together,
a crashed worker's lease runs out and another takes the job, failures are retried
with exponential backoff.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import os
import socket
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from pazar.services import jobs, moderation
from pazar.services.adverts import EXPIRE_JOB, MODERATE_JOB
from pazar.services.autoupload import jobs as autoupload_jobs
from pazar.services.realestate import operations as re_operations
from pazar.services.runtime import Runtime, Session

log = logging.getLogger("pazar.worker")

Handler = Callable[[Session, dict[str, Any], Runtime], Awaitable[None]]


async def _moderate(session: Session, payload: dict[str, Any], runtime: Runtime) -> None:
    if "advert_ids" in payload:  # a bulk write's adverts, moderated together
        await moderation.run_moderation_batch(
            session,
            advert_ids=[int(i) for i in payload["advert_ids"]],
            site_for=runtime.reference.get,
            clock=runtime.clock,
        )
        return
    await moderation.run_moderation(
        session, advert_id=int(payload["advert_id"]), site_for=runtime.reference.get, clock=runtime.clock
    )


async def _expire(session: Session, payload: dict[str, Any], runtime: Runtime) -> None:
    if "advert_ids" in payload:
        ids = [int(i) for i in payload["advert_ids"]]
        await moderation.run_expiry_batch(session, advert_ids=ids, clock=runtime.clock)
        return
    await moderation.run_expiry(session, advert_id=int(payload["advert_id"]), clock=runtime.clock)


HANDLERS: dict[str, Handler] = {
    MODERATE_JOB: _moderate,
    EXPIRE_JOB: _expire,
    re_operations.RE_OPERATION_JOB: re_operations.run,
}
HANDLERS.update(autoupload_jobs.HANDLERS)


class Worker:
    def __init__(
        self,
        runtime: Runtime,
        *,
        name: str | None = None,
        batch: int = 20,
        poll_interval: float = 0.5,
        handlers: dict[str, Handler] | None = None,
    ) -> None:
        self.runtime = runtime
        self.name = name or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
        self.batch = batch
        self.poll_interval = poll_interval
        self.handlers = handlers or HANDLERS
        self._stop = asyncio.Event()

    async def run_once(self) -> int:
        """Claim one batch of due jobs and run them; the number run."""
        db, clock = self.runtime.db, self.runtime.clock
        async with db.transaction() as session:
            claimed = await jobs.claim(
                session, worker=self.name, now=clock.now(), limit=self.batch, kinds=list(self.handlers)
            )
        for job in claimed:
            await self._run(job.id, job.kind, job.payload, job)
        return len(claimed)

    async def _run(self, job_id: int, kind: str, payload: dict[str, Any], job: Any) -> None:
        db, clock = self.runtime.db, self.runtime.clock
        handler = self.handlers[kind]
        try:
            async with db.transaction() as session:
                await handler(session, payload, self.runtime)
                if not await jobs.complete(session, job_id=job_id, worker=self.name, now=clock.now()):
                    raise LeaseLost(job_id)
        except LeaseLost:
            log.warning("job %s was taken over by another worker; its effects were rolled back", job_id)
        except Exception as exc:
            log.exception("job %s (%s) failed", job_id, kind)
            async with db.transaction() as session:
                await jobs.fail(session, job=job, worker=self.name, now=clock.now(), error=repr(exc))

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
        while not self._stop.is_set():
            try:
                done = await self.run_once()
            except Exception:
                log.exception("worker round failed")
                done = 0
            if done < self.batch:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._stop.wait(), timeout=self.poll_interval)

    def stop(self) -> None:
        self._stop.set()


class LeaseLost(Exception):
    pass
