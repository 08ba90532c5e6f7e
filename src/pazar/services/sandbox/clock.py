"""The sandbox clock: real time moved by an offset, or frozen at a moment; kept in the database.

Every process wraps its clock in a ``SandboxClock`` (``Runtime.from_settings`` does it in sandbox
mode), so everything that asks ``clock.now()`` — token and code expiry, moderation delays, advert
validity, job due times, webhook retries — follows the one clock. ``now()`` is synchronous and hot,
so the state is cached and ``refresh`` re-reads the row at most every ``max_age`` seconds
(before each request and each worker round): another process sees a move within that time; the
process that moved it sees it at once.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession as Session

from pazar.db.session import Database
from pazar.ports import Clock
from pazar.services.sandbox import settings_store

CLOCK = "clock"
# Bumped whenever the sandbox changes what processes cache (sites' moderation modes; tokens, by a restore).
CACHES_STALE = "caches_stale"
MAX_ADVANCE = timedelta(days=3660)  # ten years: far enough for any lifecycle, short of overflow


@dataclass(frozen=True, slots=True)
class ClockState:
    offset: timedelta = timedelta(0)
    frozen_at: datetime | None = None

    def to_json(self) -> dict[str, object]:
        return {
            "offset_seconds": self.offset.total_seconds(),
            "frozen_at": self.frozen_at.isoformat() if self.frozen_at else None,
        }

    @classmethod
    def from_json(cls, value: dict[str, object] | None) -> ClockState:
        if not value:
            return cls()
        frozen = value.get("frozen_at")
        return cls(
            offset=timedelta(seconds=float(str(value.get("offset_seconds", 0)))),
            frozen_at=datetime.fromisoformat(frozen) if isinstance(frozen, str) else None,
        )


class SandboxClock:
    """A ``Clock`` that follows the sandbox's clock document."""

    def __init__(self, base: Clock, *, max_age: float = 0.2) -> None:
        self.base = base
        self.state = ClockState()
        self.max_age = max_age
        self._read_at = float("-inf")
        # Called when another process made the caches stale (the runtime drops its cached sites and tokens).
        self.on_caches_stale: list[Callable[[], None]] = []
        self._caches_generation: int | None = None

    def now(self) -> datetime:
        state = self.state
        if state.frozen_at is not None:
            return state.frozen_at
        return self.base.now() + state.offset

    def set_state(self, state: ClockState) -> None:
        self.state = state
        self._read_at = time.monotonic()

    async def refresh(self, db: Database, *, force: bool = False) -> None:
        if not force and time.monotonic() - self._read_at < self.max_age:
            return
        async with db.sessions() as session:
            documents = await settings_store.read_many(session, (CLOCK, CACHES_STALE))
        self.set_state(ClockState.from_json(documents.get(CLOCK)))
        generation = int((documents.get(CACHES_STALE) or {}).get("generation", 0))
        if self._caches_generation is not None and generation != self._caches_generation:
            for listener in self.on_caches_stale:
                listener()
        self._caches_generation = generation


async def caches_stale(session: Session) -> None:
    """Tell every process to drop its cached sites and tokens (at its next clock refresh)."""
    current = await settings_store.read(session, CACHES_STALE) or {}
    await settings_store.write(session, CACHES_STALE, {"generation": int(current.get("generation", 0)) + 1})


def in_sandbox(clock: Clock) -> bool:
    """Sandbox mode, as the services see it: their clock is the sandbox's."""
    return isinstance(clock, SandboxClock)


async def refresh(clock: Clock, db: Database) -> None:
    """Bring a process's clock up to date with the database (nothing outside the sandbox)."""
    if isinstance(clock, SandboxClock):
        await clock.refresh(db)


def describe(clock: SandboxClock) -> dict[str, object]:
    now = clock.now()
    frozen = clock.state.frozen_at is not None
    offset = (now - clock.base.now()) if frozen else clock.state.offset  # running: exactly as moved
    return {"now": now.isoformat(), "offset_seconds": round(offset.total_seconds(), 3), "frozen": frozen}


async def save(session: Session, clock: SandboxClock, state: ClockState) -> None:
    await settings_store.write(session, CLOCK, state.to_json())
    clock.set_state(state)


async def move_to(session: Session, clock: SandboxClock, moment: datetime) -> None:
    """Set the clock to ``moment``, keeping it frozen or running as it is."""
    current = ClockState.from_json(await settings_store.read(session, CLOCK))
    if current.frozen_at is not None:
        state = ClockState(current.offset, moment)
    else:
        state = ClockState(moment - clock.base.now(), None)
    await save(session, clock, state)


async def freeze(session: Session, clock: SandboxClock, at: datetime | None) -> None:
    """Stop the clock at ``at`` (default: its current time); ``advance`` still moves it."""
    current = ClockState.from_json(await settings_store.read(session, CLOCK))
    clock.set_state(current)
    await save(session, clock, ClockState(current.offset, at or clock.now()))


async def reset(session: Session, clock: SandboxClock) -> None:
    await save(session, clock, ClockState())
