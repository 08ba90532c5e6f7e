"""The webhook delivery engine: sends the outbox rows (``services.webhooks``).

**Delivery.** A ``Dispatcher`` sends due deliveries concurrently through the SSRF-guarded
fetcher, signs each attempt (Standard Webhooks ``webhook-id``/``-timestamp``/``-signature``
with the app's notification secret, plus the RE platform's ``x-signature``), records every
attempt, and settles the row: a 2xx within the timeout is delivered; anything else is tried
again on the schedule (``webhook_retries`` times, ``webhook_retry_interval_seconds`` apart)
and then marked failed. Rows are claimed with a lease, like jobs, so several processes can
share the table, and a delivery whose sender died is sent again when its lease runs out:
delivery is at-least-once, the ``webhook-id`` staying the same on every attempt.

**Latency.** A process that runs a dispatcher takes the deliveries its own transactions
write straight after they commit: they are written already leased to it, and an
``after_commit`` hook hands them over, so no poll and no claim stand between the change and
the POST. Deliveries written elsewhere (another process, no dispatcher running) wake a
local dispatcher through the same hook, and every dispatcher also polls.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import os
import socket
import uuid
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

import orjson
from sqlalchemy import Table, and_, bindparam, event, insert, inspect, or_, select, update
from sqlalchemy.orm import Session as SyncSession
from standardwebhooks import Webhook

from pazar.db.base import UTCDateTime
from pazar.db.models import PartnerApp, WebhookAttempt, WebhookDelivery
from pazar.domain import webhooks as wire
from pazar.fetcher import FetchError, FetchPolicy, HttpFetcher
from pazar.ports import Clock, SystemClock
from pazar.services.runtime import Runtime
from pazar.services.sandbox import clock as sandbox_clock
from pazar.services.webhooks import (
    DELIVERED,
    FAILED,
    HANDOFF_KEY,
    LOCAL_SENDERS,
    PENDING,
    RING_KEY,
    USER_AGENT,
    database_key,
)

log = logging.getLogger("pazar.webhooks")


# --- handing fresh deliveries to this process's dispatcher -------------------------------------

_LOCAL: dict[str, Dispatcher] = cast(dict[str, "Dispatcher"], LOCAL_SENDERS)


@event.listens_for(SyncSession, "after_commit")
def _after_commit(session: SyncSession) -> None:
    if session.in_nested_transaction():
        return  # a savepoint was released: nothing is committed until the outer transaction is
    handoff = session.info.pop(HANDOFF_KEY, None)
    rang = session.info.pop(RING_KEY, False)
    if handoff:
        by_name = {d.name: d for d in _LOCAL.values()}
        for delivery, secret in handoff:
            if not inspect(delivery).persistent:
                continue  # added in a savepoint that was rolled back: it never existed
            local = by_name.get(delivery.locked_by or "")
            if local is not None:
                local.accept(_Outgoing.of(delivery, secret))
    if rang:
        for local in _LOCAL.values():
            local.wake()


@event.listens_for(SyncSession, "after_rollback")
def _after_rollback(session: SyncSession) -> None:
    if session.in_nested_transaction():
        return  # a savepoint: what it wrote is dropped at the commit (no longer persistent)
    session.info.pop(HANDOFF_KEY, None)
    session.info.pop(RING_KEY, None)


# --- the delivery engine ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Outgoing:
    id: int
    delivery_id: str
    url: str
    payload: dict[str, Any]
    attempts: int  # made before this one
    secret: str | None

    @classmethod
    def of(cls, delivery: WebhookDelivery, secret: str | None) -> _Outgoing:
        return cls(
            delivery.id, delivery.delivery_id, delivery.url, dict(delivery.payload), delivery.attempts, secret
        )


@dataclass(frozen=True, slots=True)
class _Result:
    id: int
    attempts: int  # made, this one included
    attempted_at: datetime
    finished_at: datetime
    status: int | None
    latency_ms: float
    excerpt: str | None
    error: str | None

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


@functools.lru_cache(maxsize=1024)
def _signer(secret: str) -> Webhook:
    return Webhook(secret)


def signed_headers(
    *, secret: str | None, delivery_id: str, payload: dict[str, Any], body: bytes, sent_at: datetime
) -> dict[str, str]:
    """The headers of one attempt: ``webhook-*`` (Standard Webhooks) and ``x-signature`` (RE)."""
    headers = {"User-Agent": USER_AGENT, "webhook-id": delivery_id}
    headers["webhook-timestamp"] = str(int(sent_at.timestamp()))
    if secret:
        headers["webhook-signature"] = _signer(secret).sign(delivery_id, sent_at, body.decode())
        headers["x-signature"] = wire.x_signature(
            secret, str(payload.get("object_id", "")), str(payload.get("transaction_id", ""))
        )
    return headers


def _log_failure(item: _Outgoing, status: int | None, error: str | None) -> None:
    """A failed attempt is a warning with its reason: a silent retry hides a wrong callback URL."""
    if error is None and status is not None and 200 <= status < 300:
        return
    reason = error or f"HTTP {status}"
    hint = ""
    if error is not None and error.startswith("blocked_address"):
        hint = " (callbacks to loopback/private addresses: PAZAR_SANDBOX=true or PAZAR_WEBHOOK_ALLOW_PRIVATE=true)"
    log.warning(
        "webhook delivery %s to %s failed (attempt %d): %s%s",
        item.delivery_id,
        item.url,
        item.attempts + 1,
        reason,
        hint,
    )


class Dispatcher:
    """Sends due deliveries, many at once, and records every attempt.

    ``run_once``/``run_until_idle`` serve tests and scripts; ``run_forever`` is the loop
    ``pazar serve`` and ``pazar worker`` run.
    """

    def __init__(
        self,
        runtime: Runtime,
        *,
        fetcher: HttpFetcher | None = None,
        name: str | None = None,
        concurrency: int | None = None,
        batch: int = 500,
        poll_interval: float | None = None,
        wall_clock: Clock | None = None,
    ) -> None:
        settings = runtime.settings
        self.runtime = runtime
        self.name = name or f"{socket.gethostname()}:{os.getpid()}:webhooks-{uuid.uuid4().hex[:6]}"
        self.timeout = settings.webhook_timeout_seconds
        self.schedule = wire.RetrySchedule(
            retries=settings.webhook_retries,
            interval=timedelta(seconds=settings.webhook_retry_interval_seconds),
        )
        self.lease = timedelta(seconds=self.timeout + 60)
        self.concurrency = concurrency or settings.webhook_concurrency
        self.batch = batch
        self.poll_interval = poll_interval if poll_interval is not None else settings.webhook_poll_interval
        self.base_url = settings.base_url()
        self._policy = FetchPolicy(
            allow_private=settings.webhook_allow_private,
            allow_loopback=settings.sandbox,  # local receivers (`pazar webhooks listen`, test servers)
            connect_timeout=min(5.0, self.timeout),
            total_timeout=self.timeout,
            user_agent=USER_AGENT,
        )
        # One fetcher carries every request: its POST pool keeps one connection per request in flight
        # (the "lanes" of several httpx clients it replaced measured 3-8x slower, bench/README.md).
        self._own_fetcher = fetcher is None
        self.fetcher = fetcher or HttpFetcher(self._policy)
        # Signatures carry real time (receivers check it against theirs), whatever the domain clock says.
        self.wall_clock = wall_clock or SystemClock()
        self._wake = asyncio.Event()
        self._stop = asyncio.Event()
        self._inflight: set[asyncio.Task[None]] = set()
        self._queue: deque[_Outgoing] = deque()  # handed over, waiting for a free slot
        self._results: list[_Result] = []
        self._results_ready = asyncio.Event()
        self._sending_done = False  # the loop ended and every request it started has an outcome
        self._look = True  # due rows may exist that nobody handed over: claim at the next turn
        self._refill = max(1, self.concurrency // 4)

    # -- tests and scripts --

    async def run_once(self) -> int:
        """Claim one batch of due deliveries, send them concurrently, record the outcomes."""
        claimed = await self._claim(self.batch)
        if claimed:
            results = await asyncio.gather(*(self._attempt(item) for item in claimed))
            await self._record(list(results))
        return len(claimed)

    async def run_until_idle(self, max_rounds: int = 1000) -> int:
        total = 0
        for _ in range(max_rounds):
            sent = await self.run_once()
            total += sent
            if sent == 0:
                break
        return total

    # -- the loop --

    def can_take_more(self) -> bool:
        return not self._stop.is_set() and len(self._queue) < 20 * self.concurrency

    def accept(self, item: _Outgoing) -> None:
        """A delivery this process just committed, already leased to us."""
        self._queue.append(item)
        self._wake.set()

    def wake(self) -> None:
        self._look = True
        self._wake.set()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()

    async def run_forever(self) -> None:
        key = database_key(self.runtime.db.engine.url)
        _LOCAL.setdefault(key, self)
        writer = asyncio.create_task(self._write_results_forever())
        log.info("webhook dispatcher %s started", self.name)
        try:
            while not self._stop.is_set():
                self._wake.clear()
                self._start_queued()
                free = self.concurrency - len(self._inflight)
                # Claim when there may be due rows (start, a ring, a poll, a backlog), not when a hand-over
                # woke us; and in batches: when a quarter of the slots is free (or nothing is in flight),
                # not for every delivery that finishes, so a backlog costs one claim per many sends.
                if self._look and (free >= self._refill or (free > 0 and not self._inflight)):
                    self._look = False
                    want = min(free, self.batch)
                    claimed: list[_Outgoing] = []
                    try:
                        claimed = await self._claim(want)
                    except Exception:
                        log.exception("claiming webhook deliveries failed")
                    for item in claimed:
                        self._start(item)
                    self._look = len(claimed) == want  # a full batch: more are probably due
                if self._more_to_start():
                    continue
                try:
                    await asyncio.wait_for(self._wake.wait(), timeout=self.poll_interval)
                except TimeoutError:
                    self._look = True
        finally:
            if _LOCAL.get(key) is self:
                del _LOCAL[key]
            self._stop.set()
            self._start_queued()
            if self._queue:  # handed over but never started: give them back rather than keep the lease
                await self._release(list(self._queue))
                self._queue.clear()
            if self._inflight:
                await asyncio.gather(*self._inflight, return_exceptions=True)
            self._sending_done = True
            self._results_ready.set()
            await writer
            await self.aclose()
            log.info("webhook dispatcher %s stopped", self.name)

    async def aclose(self) -> None:
        """Close the HTTP client this dispatcher made (not an injected one)."""
        if self._own_fetcher:
            await self.fetcher.aclose()

    def _start_queued(self) -> None:
        while self._queue and len(self._inflight) < self.concurrency:
            self._start(self._queue.popleft())

    def _start(self, item: _Outgoing) -> None:
        task = asyncio.create_task(self._send_and_queue(item))
        self._inflight.add(task)
        task.add_done_callback(self._finished)

    def _finished(self, task: asyncio.Task[None]) -> None:
        self._inflight.discard(task)
        if self._more_to_start():
            self._wake.set()

    def _more_to_start(self) -> bool:
        """Slots for a claim that may find rows (a quarter of them free), or for handed-over ones."""
        free = self.concurrency - len(self._inflight)
        return (self._look and free >= self._refill) or (bool(self._queue) and free > 0)

    async def _send_and_queue(self, item: _Outgoing) -> None:
        result = await self._attempt(item)
        self._results.append(result)
        self._results_ready.set()

    async def _write_results_forever(self) -> None:
        while True:
            await self._results_ready.wait()
            self._results_ready.clear()
            batch, self._results = self._results, []
            if batch:
                try:
                    await self._record(batch)
                except Exception:
                    log.exception("recording %d webhook attempts failed; retrying", len(batch))
                    self._results = batch + self._results
                    await asyncio.sleep(0.5)
                    self._results_ready.set()
                    continue
            # Not merely "stopping and nothing in flight": a claim may still be under way then, and
            # the deliveries it starts must be recorded too (else they wait out their lease).
            if self._sending_done and not self._results:
                return

    # -- one attempt --

    async def _attempt(self, item: _Outgoing) -> _Result:
        clock = self.runtime.clock
        attempted_at = clock.now()
        body = orjson.dumps(wire.for_the_wire(item.payload, self.base_url))
        headers = signed_headers(
            secret=item.secret,
            delivery_id=item.delivery_id,
            payload=item.payload,
            body=body,
            sent_at=self.wall_clock.now(),
        )
        loop = asyncio.get_running_loop()
        started = loop.time()
        status: int | None = None
        excerpt: str | None = None
        error: str | None = None
        try:
            answer = await self.fetcher.post_json(item.url, body, headers=headers, timeout=self.timeout)
            status, excerpt = answer.status, answer.excerpt
        except FetchError as exc:
            error = f"{exc.reason}: {exc}"
        except Exception as exc:  # never let one delivery take the loop down
            log.exception("webhook delivery %s crashed", item.delivery_id)
            error = f"internal: {exc!r}"
        _log_failure(item, status, error)
        return _Result(
            id=item.id,
            attempts=item.attempts + 1,
            attempted_at=attempted_at,
            finished_at=clock.now(),
            status=status,
            latency_ms=round((loop.time() - started) * 1000, 3),
            excerpt=excerpt,
            error=error,
        )

    # -- the database side --

    def _due(self, now: datetime) -> Any:
        return and_(
            WebhookDelivery.status == PENDING,
            WebhookDelivery.next_attempt_at <= now,
            or_(WebhookDelivery.locked_until.is_(None), WebhookDelivery.locked_until < now),
        )

    async def _claim(self, limit: int) -> list[_Outgoing]:
        await sandbox_clock.refresh(self.runtime.clock, self.runtime.db)
        now = self.runtime.clock.now()
        async with self.runtime.db.transaction() as session:
            candidates = (
                select(WebhookDelivery.id)
                .where(self._due(now))
                .order_by(WebhookDelivery.next_attempt_at, WebhookDelivery.id)
                .limit(limit)
            )
            if self.runtime.db.is_postgres:
                candidates = candidates.with_for_update(skip_locked=True)
            ids = list((await session.execute(candidates)).scalars())
            if not ids:
                return []
            stmt = (
                update(WebhookDelivery)
                .where(WebhookDelivery.id.in_(ids), self._due(now))  # re-checked: SQLite has no SKIP LOCKED
                .values(locked_by=self.name, locked_until=now + self.lease)
                .returning(
                    WebhookDelivery.id,
                    WebhookDelivery.delivery_id,
                    WebhookDelivery.url,
                    WebhookDelivery.payload,
                    WebhookDelivery.attempts,
                    WebhookDelivery.app_id,
                )
            )
            rows = (await session.execute(stmt)).all()
            app_ids = {row.app_id for row in rows}
            secrets = dict(
                (
                    await session.execute(
                        select(PartnerApp.id, PartnerApp.notification_secret).where(
                            PartnerApp.id.in_(app_ids)
                        )
                    )
                ).all()
            )
        return [
            _Outgoing(
                row.id, row.delivery_id, row.url, dict(row.payload), row.attempts, secrets.get(row.app_id)
            )
            for row in rows
        ]

    async def _record(self, results: Sequence[_Result]) -> None:
        attempts = [
            {
                "delivery_id": r.id,
                "attempted_at": r.attempted_at,
                "status": r.status,
                "latency_ms": r.latency_ms,
                "response_excerpt": r.excerpt,
                "error": r.error,
            }
            for r in results
        ]
        settled = [self._settlement(r) for r in results]
        table = cast(Table, WebhookDelivery.__table__)
        stmt = (
            update(table)
            .where(table.c.id == bindparam("b_id"), table.c.locked_by == bindparam("b_me"))
            .values(
                status=bindparam("b_status"),
                attempts=bindparam("b_attempts"),
                next_attempt_at=bindparam("b_next", type_=UTCDateTime()),
                delivered_at=bindparam("b_delivered", type_=UTCDateTime()),
                last_status=bindparam("b_last_status"),
                last_error=bindparam("b_last_error"),
                locked_by=None,
                locked_until=None,
            )
        )
        async with self.runtime.db.transaction() as session:
            await session.execute(insert(WebhookAttempt), attempts)
            connection = await session.connection()
            await connection.execute(stmt, settled)

    async def _release(self, items: Sequence[_Outgoing]) -> None:
        ids = [item.id for item in items]
        try:
            async with self.runtime.db.transaction() as session:
                for start in range(0, len(ids), 500):
                    await session.execute(
                        update(WebhookDelivery)
                        .where(WebhookDelivery.id.in_(ids[start : start + 500]))
                        .where(WebhookDelivery.locked_by == self.name)
                        .values(locked_by=None, locked_until=None)
                    )
        except Exception:  # the leases then run out by themselves: later, never lost
            log.exception("releasing %d webhook deliveries failed", len(ids))

    def _settlement(self, result: _Result) -> dict[str, Any]:
        following: datetime | None
        delivered: datetime | None
        if result.ok:
            status, following, delivered = DELIVERED, result.finished_at, result.finished_at
        else:
            following = self.schedule.next_attempt(attempts_made=result.attempts, now=result.finished_at)
            status, delivered = (PENDING if following is not None else FAILED), None
        return {
            "b_id": result.id,
            "b_me": self.name,
            "b_status": status,
            "b_attempts": result.attempts,
            "b_next": following or result.finished_at,
            "b_delivered": delivered,
            "b_last_status": result.status,
            "b_last_error": None if result.ok else (result.error or f"HTTP {result.status}"),
        }
