"""Adverts posted by concurrent requests, created in shared transactions (group commit).

A POST is a batch of one for ``create_adverts``; concurrent POSTs of a process are many batches of
one, and on SQLite each would take the write lock, run its nine statements and commit, one after
another. Here they queue: while one transaction runs, the posts that arrive wait, and the next
transaction creates all of them, one ``create_adverts`` call per owner (the same validation, slot
rule, events and jobs as a single post, in a few statements instead of a few per advert). Each
request answers only after the commit that holds its advert. A batch that fails as a whole (not a
refused advert: an unexpected error) is retried one post at a time, so only its culprit fails.

A lone post waits for nothing: the queue runs as soon as the first post arrives.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import select

from pazar.db.models import Advert
from pazar.db.session import Database
from pazar.domain.commands import CreateAdvert
from pazar.domain.errors import DomainError
from pazar.domain.oauth import Principal
from pazar.ports import Clock
from pazar.services.adverts.writes import create_adverts
from pazar.services.reference import SiteSnapshot
from pazar.services.runtime import Session

MAX_BATCH = 256  # posts per transaction: bounds the time the write lock is held


@dataclass(slots=True)
class _Post:
    site: SiteSnapshot
    principal: Principal
    command: CreateAdvert
    moderation_delay: timedelta
    outcome: asyncio.Future[Advert] = field(
        default_factory=lambda: asyncio.get_running_loop().create_future()
    )

    @property
    def owner(self) -> tuple[str, Principal, timedelta]:
        return (self.site.site_id, self.principal, self.moderation_delay)


class PostQueue:
    """One per process and API: ``create`` is ``create_advert`` with its commit shared."""

    def __init__(self, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock
        self._waiting: list[_Post] = []
        self._draining: asyncio.Task[None] | None = None

    async def create(
        self, *, site: SiteSnapshot, principal: Principal, command: CreateAdvert, moderation_delay: timedelta
    ) -> Advert:
        """The new advert once its transaction committed, or the DomainError that refused it, raised."""
        post = _Post(site, principal, command, moderation_delay)
        self._waiting.append(post)
        if self._draining is None:
            self._draining = asyncio.create_task(self._drain())
        return await post.outcome

    async def _drain(self) -> None:
        try:
            while self._waiting:
                batch, self._waiting = self._waiting[:MAX_BATCH], self._waiting[MAX_BATCH:]
                await self._commit(batch)
        finally:
            self._draining = None  # no await since the emptiness check: no post can be left behind

    async def _commit(self, batch: Sequence[_Post]) -> None:
        outcomes: Sequence[Advert | BaseException]
        try:
            async with self._db.transaction() as session:
                outcomes = await self._create(session, batch)
        except Exception as exc:
            if len(batch) > 1:
                for post in batch:  # isolate the failure: only the post that causes it fails
                    await self._commit([post])
                return
            outcomes = [exc]
        for post, outcome in zip(batch, outcomes, strict=True):
            if post.outcome.done():  # the request went away; its advert is created all the same
                continue
            if isinstance(outcome, BaseException):
                post.outcome.set_exception(outcome)
            else:
                post.outcome.set_result(outcome)

    async def _create(self, session: Session, batch: Sequence[_Post]) -> list[Advert | DomainError]:
        by_owner: dict[tuple[str, Principal, timedelta], list[int]] = {}
        for position, post in enumerate(batch):
            by_owner.setdefault(post.owner, []).append(position)
        results: list[int | DomainError | None] = [None] * len(batch)
        for positions in by_owner.values():
            first = batch[positions[0]]
            made = await create_adverts(
                session,
                site=first.site,
                principal=first.principal,
                commands=[batch[p].command for p in positions],
                clock=self._clock,
                moderation_delay=first.moderation_delay,
            )
            for position, outcome in zip(positions, made, strict=True):
                results[position] = outcome
        ids = [r for r in results if isinstance(r, int)]
        rows = await session.execute(select(Advert).where(Advert.id.in_(ids))) if ids else None
        adverts = {a.id: a for a in rows.scalars()} if rows is not None else {}
        outcomes: list[Advert | DomainError] = []
        for result in results:
            assert result is not None  # create_adverts answers every command, in order
            outcomes.append(adverts[result] if isinstance(result, int) else result)
        return outcomes
